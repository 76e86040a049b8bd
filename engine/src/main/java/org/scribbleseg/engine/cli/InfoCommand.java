package org.scribbleseg.engine.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.scribbleseg.engine.project.ClassDef;
import org.scribbleseg.engine.project.ImageIntegrity;
import org.scribbleseg.engine.project.ImageStatus;
import org.scribbleseg.engine.project.ProjectStore;
import org.scribbleseg.engine.project.Tag;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "info", description = "Counts per class and per image status.")
public final class InfoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", description = "project folder")
    Path project;

    @Option(names = "--json", description = "print JSON")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Map<String, Object> info = new LinkedHashMap<>();
        try (ProjectStore s = ProjectOptions.open(project, spec.commandLine().getErr())) {
            info.put("project", s.root().toString());
            info.put("schema", s.schemaVersion());
            info.put("revision", s.revision());
            info.put("images", s.imageCount());
            Map<String, Integer> status = new LinkedHashMap<>();
            for (Map.Entry<ImageStatus, Integer> e : s.statusCounts().entrySet()) {
                status.put(e.getKey().name().toLowerCase(), e.getValue());
            }
            info.put("status", status);
            Map<Long, Long> strokes = s.strokeCountsByClass();
            List<Tag> tags = s.allTags();
            List<Map<String, Object>> classes = new java.util.ArrayList<>();
            for (ClassDef c : s.classes()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", c.name());
                m.put("index", c.vocIndex());
                m.put("color", c.hexColor());
                m.put("strokes", strokes.getOrDefault(c.id(), 0L));
                m.put("tagged_present", tags.stream().filter(t -> t.classId() == c.id() && t.present()).count());
                m.put("tagged_absent", tags.stream().filter(t -> t.classId() == c.id() && !t.present()).count());
                classes.add(m);
            }
            info.put("classes", classes);
            // image files that no longer hold what was imported (size and time first, the hash when they differ)
            List<ImageIntegrity.Problem> problems = ImageIntegrity.check(s);
            info.put("changed_images", problems.stream().map(p -> s.resolve(p.image()).toString() + " ("
                    + p.state().name().toLowerCase() + ")").toList());
            for (ImageIntegrity.Problem p : problems) {
                spec.commandLine().getErr().println("warning: " + p.describe());
            }
        }
        var out = spec.commandLine().getOut();
        if (json) {
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(info));
            return 0;
        }
        out.printf("project  %s (schema v%s, revision %s)%n", info.get("project"), info.get("schema"), info.get("revision"));
        out.printf("images   %s  %s%n", info.get("images"), info.get("status"));
        out.printf("%-20s %5s %8s %8s %8s%n", "class", "index", "strokes", "present", "absent");
        for (Object o : (List<?>) info.get("classes")) {
            Map<?, ?> m = (Map<?, ?>) o;
            out.printf("%-20s %5s %8s %8s %8s%n", m.get("name"), m.get("index"), m.get("strokes"), m.get("tagged_present"), m.get("tagged_absent"));
        }
        return 0;
    }
}
