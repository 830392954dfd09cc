package org.aitbc.bench;

import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.stream.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The figures of one harness run and how they are written: docs/BENCHMARKS.md (or the file the
 * options name) for people, results.json beside the results for programs (the smoke test).
 * A figure is the median of its runs with min and max, beside its baseline measured in the same
 * run, the ratio of the medians, and its target.
 */
final class Report {
    /** How a figure is checked against its target. */
    enum Check {
        /** median ≥ bound */
        AT_LEAST,
        /** median ≤ bound */
        AT_MOST,
        /** median ÷ baseline median ≥ bound */
        RATIO_AT_LEAST,
        /** median ÷ baseline median ≤ bound */
        RATIO_AT_MOST,
        /** informational: no target */
        NONE
    }

    static final class Figure {
        final String id;
        final String section;
        final String name;
        final String unit;
        final List<Double> values = new ArrayList<>();
        final List<Double> baseline = new ArrayList<>();
        String baselineName = "";
        String targetText = "";
        Check check = Check.NONE;
        double bound;
        long errors;
        String note = "";
        /** Set when the figure could not be measured in this mode, saying why. */
        String skipped;

        Figure(String id, String section, String name, String unit) {
            this.id = id;
            this.section = section;
            this.name = name;
            this.unit = unit;
        }

        Figure baseline(String name) {
            this.baselineName = name;
            return this;
        }

        Figure target(String text, Check check, double bound) {
            this.targetText = text;
            this.check = check;
            this.bound = bound;
            return this;
        }

        void add(double value) {
            values.add(value);
        }

        void addBaseline(double value) {
            baseline.add(value);
        }

        double median() {
            return median(values);
        }

        double baselineMedian() {
            return median(baseline);
        }

        double ratio() {
            double b = baselineMedian();
            return Double.isNaN(b) || b == 0 ? Double.NaN : median() / b;
        }

        /** "pass", "miss", "—" (no target), "not measured". */
        String result() {
            if (skipped != null || values.isEmpty()) {
                return "not measured";
            }
            double v = median();
            double r = ratio();
            boolean ok = switch (check) {
                case AT_LEAST -> v >= bound;
                case AT_MOST -> v <= bound;
                case RATIO_AT_LEAST -> r >= bound;
                case RATIO_AT_MOST -> r <= bound;
                case NONE -> true;
            };
            if (check == Check.NONE) {
                return "—";
            }
            return ok && errors == 0 ? "pass" : "miss";
        }

        static double median(List<Double> xs) {
            if (xs.isEmpty()) {
                return Double.NaN;
            }
            List<Double> s = new ArrayList<>(xs);
            Collections.sort(s);
            int n = s.size();
            return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
        }
    }

    final Map<String, Figure> figures = new LinkedHashMap<>();
    final List<String> notes = new ArrayList<>();
    final Map<String, String> machine = new LinkedHashMap<>();

    Figure figure(String id, String section, String name, String unit) {
        return figures.computeIfAbsent(id, k -> new Figure(id, section, name, unit));
    }

    Figure get(String id) {
        return figures.get(id);
    }

    void note(String text) {
        notes.add(text);
    }

    static String num(double v) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        double a = Math.abs(v);
        if (a >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (a >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }

    static String spread(List<Double> xs, String unit) {
        if (xs.isEmpty()) {
            return "n/a";
        }
        String u = unit.isEmpty() ? "" : " " + unit;
        if (xs.size() == 1) {
            return num(xs.get(0)) + u;
        }
        return num(Figure.median(xs)) + u + " (" + num(Collections.min(xs)) + "–" + num(Collections.max(xs)) + ")";
    }

    String markdown(String title, String intro, String findings) {
        StringBuilder sb = new StringBuilder();
        sb.append("# ").append(title).append("\n\n").append(intro).append("\n\n");
        sb.append("## Machine\n\n| | |\n|---|---|\n");
        machine.forEach((k, v) -> sb.append("| ")
                .append(k)
                .append(" | ")
                .append(v.replace("|", "\\|"))
                .append(" |\n"));
        sb.append("\n## Figures\n\n");
        sb.append("Each value: median of the runs, with (min–max). Ratio: median ÷ baseline median.\n\n");
        sb.append("| Figure | Measured | Baseline (same run) | Baseline value | Ratio | Target | Result |\n");
        sb.append("|---|---|---|---|---|---|---|\n");
        // Grouped by section, sections in the order they first appear (scenarios run in another order).
        List<Figure> ordered = new ArrayList<>();
        for (Figure f : figures.values()) {
            if (ordered.stream().noneMatch(o -> o.section.equals(f.section))) {
                figures.values().stream()
                        .filter(g -> g.section.equals(f.section))
                        .forEach(ordered::add);
            }
        }
        String section = null;
        for (Figure f : ordered) {
            if (!f.section.equals(section)) {
                section = f.section;
                sb.append("| **").append(section).append("** | | | | | | |\n");
            }
            String measured = f.skipped != null ? "not measured: " + f.skipped : spread(f.values, f.unit);
            if (f.errors > 0) {
                measured += " — " + f.errors + " failed requests";
            }
            sb.append("| ")
                    .append(f.name)
                    .append(" | ")
                    .append(measured)
                    .append(" | ")
                    .append(f.baselineName)
                    .append(" | ")
                    .append(f.baseline.isEmpty() ? "" : spread(f.baseline, f.unit))
                    .append(" | ")
                    .append(f.baseline.isEmpty() ? "" : num(f.ratio()))
                    .append(" | ")
                    .append(f.targetText)
                    .append(" | ")
                    .append(f.result())
                    .append(" |\n");
        }
        List<Figure> withNotes =
                figures.values().stream().filter(f -> !f.note.isBlank()).toList();
        if (!withNotes.isEmpty() || !notes.isEmpty()) {
            sb.append("\n## How each figure was taken\n\n");
            for (Figure f : withNotes) {
                sb.append("- **").append(f.name).append("**: ").append(f.note).append('\n');
            }
            for (String n : notes) {
                sb.append("- ").append(n).append('\n');
            }
        }
        if (findings != null && !findings.isBlank()) {
            sb.append('\n').append(findings.strip()).append('\n');
        }
        return sb.toString();
    }

    String json() {
        JsonArrayBuilder list = Json.createArrayBuilder();
        for (Figure f : figures.values()) {
            JsonObjectBuilder o = Json.createObjectBuilder()
                    .add("id", f.id)
                    .add("section", f.section)
                    .add("name", f.name)
                    .add("unit", f.unit)
                    .add("result", f.result())
                    .add("errors", f.errors);
            JsonArrayBuilder vs = Json.createArrayBuilder();
            f.values.forEach(v -> addNumber(vs, v));
            JsonArrayBuilder bs = Json.createArrayBuilder();
            f.baseline.forEach(v -> addNumber(bs, v));
            o.add("values", vs)
                    .add("baseline", bs)
                    .add("baseline_name", f.baselineName)
                    .add("target", f.targetText);
            if (f.skipped != null) {
                o.add("skipped", f.skipped);
            }
            list.add(o);
        }
        JsonObjectBuilder m = Json.createObjectBuilder();
        machine.forEach(m::add);
        StringWriter w = new StringWriter();
        try (var g = Json.createWriterFactory(Map.of(JsonGenerator.PRETTY_PRINTING, true))
                .createWriter(w)) {
            g.writeObject(Json.createObjectBuilder()
                    .add("machine", m)
                    .add("figures", list)
                    .build());
        }
        return w.toString();
    }

    /** JSON has no NaN or infinity: such a value is written as null. */
    private static void addNumber(JsonArrayBuilder a, double v) {
        if (Double.isFinite(v)) {
            a.add(v);
        } else {
            a.addNull();
        }
    }

    /**
     * Writes this report as one section of an existing file (a run of some scenarios only, into
     * docs/BENCHMARKS.md): the section between the markers of the same {@code key} is replaced,
     * or added at the end; every other line of the file is left as it was.
     */
    void writeSection(Path markdownFile, Path jsonFile, String key, String title, String intro) throws IOException {
        String begin =
                "<!-- bench/run.sh --only " + key + ": written by the harness, replaced by its next such run -->";
        String end = "<!-- end of bench/run.sh --only " + key + " -->";
        StringBuilder section = new StringBuilder(begin).append('\n');
        for (String line : markdown(title, intro, null).split("\n", -1)) {
            // One level down: the section sits under the file's own title.
            section.append(line.startsWith("#") ? "#" + line : line).append('\n');
        }
        String body = section.toString().stripTrailing() + "\n" + end + "\n";
        String old = Files.exists(markdownFile) ? Files.readString(markdownFile) : "";
        int i = old.indexOf(begin);
        int j = i < 0 ? -1 : old.indexOf(end, i);
        String text = i >= 0 && j >= 0
                ? old.substring(0, i) + body + old.substring(j + end.length()).replaceFirst("^\n", "")
                : old.stripTrailing() + (old.isEmpty() ? "" : "\n\n") + body;
        Files.createDirectories(markdownFile.toAbsolutePath().getParent());
        Files.writeString(markdownFile, text);
        Files.createDirectories(jsonFile.toAbsolutePath().getParent());
        Files.writeString(jsonFile, json());
    }

    void write(Path markdownFile, Path jsonFile, String title, String intro, String findings) throws IOException {
        Files.createDirectories(markdownFile.toAbsolutePath().getParent());
        Files.writeString(markdownFile, markdown(title, intro, findings));
        Files.createDirectories(jsonFile.toAbsolutePath().getParent());
        Files.writeString(jsonFile, json());
    }
}
