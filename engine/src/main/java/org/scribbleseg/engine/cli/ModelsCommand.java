package org.scribbleseg.engine.cli;

import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import org.scribbleseg.engine.model.ModelCatalog;
import org.scribbleseg.engine.model.ModelStore;
import org.scribbleseg.engine.model.ModelStoreException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.ScopeType;

/**
 * {@code scribbleseg models list|download <name>|import <path>|remove <name>}: the user's model cache
 * (see {@link ModelStore}). Failures exit with code 1 and a one-line reason.
 */
@Command(name = "models", mixinStandardHelpOptions = true,
        description = "List, download, import and remove model weights in the user cache.",
        subcommands = {
            ModelsCommand.ListModels.class,
            ModelsCommand.Download.class,
            ModelsCommand.Import.class,
            ModelsCommand.Remove.class,
        })
public final class ModelsCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--models-dir", scope = ScopeType.INHERIT, paramLabel = "<dir>",
            description = "model cache folder (default: -Dscribbleseg.models, $SCRIBBLESEG_MODELS or "
                    + "~/.cache/scribbleseg/models)")
    Path modelsDir;

    @Option(names = "--endpoint", scope = ScopeType.INHERIT, paramLabel = "<url>",
            description = "hub base URL (default: -Dscribbleseg.hf.endpoint, $SCRIBBLESEG_HF_ENDPOINT or "
                    + "https://huggingface.co)")
    URI endpoint;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a models command (see models --help)");
    }

    ModelStore store() {
        return new ModelStore(modelsDir != null ? modelsDir : ModelStore.defaultRoot(), ModelCatalog.builtIn(),
                endpoint != null ? endpoint : ModelStore.defaultBaseUrl(), Duration.ofSeconds(10),
                Duration.ofSeconds(30), 4);
    }

    /** {@code models list}: catalog entries with their state, then imported models. */
    @Command(name = "list", mixinStandardHelpOptions = true, description = "Catalog models and installed models.")
    public static final class ListModels implements Callable<Integer> {
        @ParentCommand
        ModelsCommand parent;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws ModelStoreException {
            PrintWriter out = spec.commandLine().getOut();
            ModelStore store = parent.store();
            out.println("models folder: " + store.root());
            out.printf(Locale.ROOT, "%-34s %-10s %10s  %s%n", "NAME", "STATE", "SIZE", "SOURCE");
            Set<String> shown = new HashSet<>();
            for (ModelCatalog.ModelEntry e : store.catalog().models()) {
                Optional<ModelStore.InstalledModel> inst = store.installed(e.name());
                String state = inst.map(m -> m.complete() ? "installed" : "partial").orElse("-");
                String size = inst.map(m -> ModelCatalog.humanBytes(m.totalBytes())).orElseGet(() -> e.sizeText());
                out.printf(Locale.ROOT, "%-34s %-10s %10s  %s%n", e.name(), state, size, e.repo());
                shown.add(e.name());
            }
            for (ModelStore.InstalledModel m : store.list()) {
                if (!shown.contains(m.name())) {
                    out.printf(Locale.ROOT, "%-34s %-10s %10s  %s%n", m.name(), m.complete() ? "installed" : "partial",
                            ModelCatalog.humanBytes(m.totalBytes()), m.source() == null ? "local" : m.source());
                }
            }
            out.flush();
            return 0;
        }
    }

    /** {@code models download <name>}: progress on stderr. */
    @Command(name = "download", mixinStandardHelpOptions = true,
            description = "Download a catalog model (resumes partial downloads, verifies sha256).")
    public static final class Download implements Callable<Integer> {
        @ParentCommand
        ModelsCommand parent;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "<name>", description = "catalog name or hub id, e.g. dinov2-small")
        String name;

        @Override
        public Integer call() throws ModelStoreException {
            PrintWriter err = spec.commandLine().getErr();
            ProgressPrinter pp = new ProgressPrinter(err);
            Path dir = parent.store().download(name, (done, total, file) -> pp.update(file, done, total));
            pp.finish();
            spec.commandLine().getOut().println("installed " + name + " in " + dir);
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    /** Prints "file done / total (p%)" lines to stderr, at most every 2% or 1 s per file, and the final line. */
    static final class ProgressPrinter {
        private final PrintWriter err;
        private String file;
        private long lastPrintNanos;
        private long lastPercent;
        private long lastDone;
        private long lastTotal;
        private boolean printedLast;

        ProgressPrinter(PrintWriter err) {
            this.err = err;
        }

        synchronized void update(String f, long done, long total) {
            if (!f.equals(file)) {
                finish();
                file = f;
                lastPercent = -100;
                lastPrintNanos = System.nanoTime();
            }
            lastDone = done;
            lastTotal = total;
            long percent = total > 0 ? done * 100 / total : 0;
            long now = System.nanoTime();
            boolean end = total >= 0 && done == total;
            printedLast = false;
            if (end || percent >= lastPercent + 2 || now - lastPrintNanos > 1_000_000_000L) {
                String pct = total > 0 ? String.format(Locale.ROOT, " (%d%%)", percent) : "";
                err.printf(Locale.ROOT, "%s  %s / %s%s%n", file, ModelCatalog.humanBytes(done), ModelCatalog.humanBytes(total), pct);
                err.flush();
                lastPercent = percent;
                lastPrintNanos = now;
                printedLast = true;
            }
        }

        synchronized void finish() {
            if (file != null && !printedLast) {
                err.printf(Locale.ROOT, "%s  %s / %s%n", file, ModelCatalog.humanBytes(lastDone), ModelCatalog.humanBytes(lastTotal));
                err.flush();
                printedLast = true;
            }
        }
    }

    /** {@code models import <path> [--name n]}. */
    @Command(name = "import", mixinStandardHelpOptions = true,
            description = "Import weights from a folder (config.json + model.safetensors [+ vocab.json, merges.txt]) "
                    + "or a .safetensors file with config.json beside it.")
    public static final class Import implements Callable<Integer> {
        @ParentCommand
        ModelsCommand parent;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "<path>", description = "model folder or .safetensors file")
        Path path;

        @Option(names = "--name", paramLabel = "<name>",
                description = "name in the cache (default: the folder name; a catalog name, e.g. dinov2-small, "
                        + "makes the app use it for that model)")
        String name;

        @Override
        public Integer call() throws ModelStoreException {
            ModelStore store = parent.store();
            Path dir = store.importModel(path, name);
            List<ModelStore.InstalledFile> files = store.installed(dir.getFileName().toString())
                    .map(ModelStore.InstalledModel::files).orElse(List.of());
            PrintWriter out = spec.commandLine().getOut();
            out.println("imported " + dir.getFileName() + " into " + dir);
            for (ModelStore.InstalledFile f : files) {
                out.printf(Locale.ROOT, "  %-20s %10s  sha256 %s%n", f.path(), ModelCatalog.humanBytes(f.size()), f.sha256());
            }
            out.flush();
            return 0;
        }
    }

    /** {@code models remove <name>}. */
    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Delete a model from the cache.")
    public static final class Remove implements Callable<Integer> {
        @ParentCommand
        ModelsCommand parent;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "<name>")
        String name;

        @Override
        public Integer call() throws ModelStoreException {
            ModelStore store = parent.store();
            if (!store.remove(name)) {
                spec.commandLine().getErr().println("error: model '" + name + "' is not installed in " + store.root());
                spec.commandLine().getErr().flush();
                return 1;
            }
            spec.commandLine().getOut().println("removed " + name);
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}
