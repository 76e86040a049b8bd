package org.scribbleseg.engine.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.scribbleseg.engine.Engine;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.ImageIntegrity;
import org.scribbleseg.engine.project.ProjectException;
import org.scribbleseg.engine.project.ProjectStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "images", description = "Check that every image file still holds the pixels its labels were drawn on "
        + "(size and time, then sha256); re-link changed files (accept the new content) or drop their labels.")
public final class ImagesCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", description = "project folder")
    Path project;

    @Option(names = "--relink", split = ",", paramLabel = "IMAGE", description = "accept the new content of these images "
            + "(names, ids, or 'changed' for every changed one), keeping their labels (same size only)")
    List<String> relink = new ArrayList<>();

    @Option(names = "--drop-labels", split = ",", paramLabel = "IMAGE", description = "accept the new content of these "
            + "images and clear their strokes, tags and mask (undoable in the app); 'changed' for every changed one")
    List<String> drop = new ArrayList<>();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (ProjectStore s = ProjectOptions.open(project, err)) {
            List<ImageIntegrity.Problem> problems = ImageIntegrity.check(s);
            for (ImageIntegrity.Problem p : problems) {
                out.println((p.state() == ImageIntegrity.State.CHANGED ? "changed  " : "missing  ") + p.describe());
            }
            if (relink.isEmpty() && drop.isEmpty()) {
                out.println(problems.isEmpty() ? "all " + s.imageCount() + " image files match the project"
                        : Engine.describeProblems(problems).split(":")[0] + " (re-link with --relink, or --drop-labels)");
                return 0;
            }
            int done = 0;
            for (ImageEntry e : targets(s, relink, problems)) {
                ImageIntegrity.relink(s, e, false);
                out.println("re-linked " + s.resolve(e) + " (labels kept)");
                done++;
            }
            for (ImageEntry e : targets(s, drop, problems)) {
                ImageIntegrity.relink(s, e, true);
                out.println("re-linked " + s.resolve(e) + " (labels dropped)");
                done++;
            }
            out.println(done + " image" + (done == 1 ? "" : "s") + " re-linked");
        }
        return 0;
    }

    private static List<ImageEntry> targets(ProjectStore s, List<String> names, List<ImageIntegrity.Problem> problems) {
        if (names.size() == 1 && names.get(0).equals("changed")) {
            List<ImageEntry> out = new ArrayList<>();
            for (ImageIntegrity.Problem p : problems) {
                if (p.state() == ImageIntegrity.State.CHANGED) {
                    out.add(p.image());
                }
            }
            if (out.isEmpty()) {
                throw new ProjectException("no image file has changed: nothing to re-link");
            }
            return out;
        }
        return names.isEmpty() ? List.of() : HeadCommands.select(s, names);
    }
}
