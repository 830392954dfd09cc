package org.aitbc.bench;

import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code --compare OLD.json}: each figure of this run beside the same figure (by id) of an earlier
 * run's results.json, with the change of the median and of the ratio to the baseline. The ratio
 * column is the steadier one when the machine's load differed between the two runs.
 */
final class Compare {
    private Compare() {}

    static String table(String oldJson, Report now) {
        Map<String, JsonObject> old = new HashMap<>();
        JsonObject root;
        try (var r = Json.createReader(new StringReader(oldJson))) {
            root = r.readObject();
        }
        for (JsonValue v : root.getJsonArray("figures")) {
            JsonObject o = v.asJsonObject();
            old.put(o.getString("id"), o);
        }
        StringBuilder sb = new StringBuilder();
        sb.append("| Figure | Earlier | Now | Change | Earlier ratio | Now ratio | Ratio change |\n");
        sb.append("|---|---|---|---|---|---|---|\n");
        for (Report.Figure f : now.figures.values()) {
            JsonObject o = old.get(f.id);
            double before = o == null ? Double.NaN : median(o.getJsonArray("values"));
            double beforeBase = o == null ? Double.NaN : median(o.getJsonArray("baseline"));
            double beforeRatio = Double.isNaN(beforeBase) || beforeBase == 0 ? Double.NaN : before / beforeBase;
            double nowV = f.median();
            double nowRatio = f.ratio();
            String u = f.unit.isEmpty() ? "" : " " + f.unit;
            sb.append("| ")
                    .append(f.name)
                    .append(" | ")
                    .append(o == null ? "not in the earlier run" : Report.num(before) + u)
                    .append(" | ")
                    .append(Report.num(nowV))
                    .append(u)
                    .append(" | ")
                    .append(change(before, nowV))
                    .append(" | ")
                    .append(Report.num(beforeRatio))
                    .append(" | ")
                    .append(Report.num(nowRatio))
                    .append(" | ")
                    .append(change(beforeRatio, nowRatio))
                    .append(" |\n");
        }
        return sb.toString();
    }

    private static String change(double before, double now) {
        if (Double.isNaN(before) || Double.isNaN(now) || before == 0) {
            return "";
        }
        return String.format(java.util.Locale.ROOT, "%+.0f %%", (now - before) / Math.abs(before) * 100);
    }

    private static double median(JsonArray a) {
        List<Double> xs = new ArrayList<>();
        for (JsonValue v : a) {
            if (v.getValueType() == JsonValue.ValueType.NUMBER) {
                xs.add(((jakarta.json.JsonNumber) v).doubleValue());
            }
        }
        return Report.Figure.median(xs);
    }
}
