package org.aitbc.coordinator.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The alerting rules in ops/prometheus, checked and unit-tested by Prometheus's own promtool: the
 * rules are valid, every alert has a case in aitbc-rules.test.yml that fires it and one that must
 * stay quiet, both pass, and every alert has its runbook paragraph in docs/OPERATIONS.md.
 */
class AlertRulesTest {
    private final Path root = OpsFiles.root();
    private final Path rulesDir = root.resolve("ops/prometheus");

    private List<String> alerts() throws Exception {
        List<String> names = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^\\s*- alert: (\\w+)\\s*$")
                .matcher(Files.readString(rulesDir.resolve("aitbc-rules.yml")));
        while (m.find()) {
            names.add(m.group(1));
        }
        assertFalse(names.isEmpty(), "aitbc-rules.yml names alerts");
        return names;
    }

    @Test
    void rulesAreValid() throws Exception {
        OpsFiles.Run r = OpsFiles.run(
                rulesDir, List.of(OpsFiles.program("promtool").toString(), "check", "rules", "aitbc-rules.yml"));
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("SUCCESS: " + alerts().size() + " rules found"), r.output());
    }

    @Test
    void exampleConfigurationIsValid() throws Exception {
        OpsFiles.Run r = OpsFiles.run(
                rulesDir,
                List.of(OpsFiles.program("promtool").toString(), "check", "config", "prometheus.example.yml"));
        assertEquals(0, r.exit(), r.output());
    }

    @Test
    void everyAlertFiresWhenItShouldAndStaysQuietOtherwise() throws Exception {
        String tests = Files.readString(rulesDir.resolve("aitbc-rules.test.yml"));
        for (String alert : alerts()) {
            assertTrue(tests.contains("name: '" + alert + " fires: "), alert + " has a case that fires it");
            assertTrue(tests.contains("name: '" + alert + " stays quiet: "), alert + " has a case that stays quiet");
            assertTrue(tests.contains("alertname: " + alert), alert + " is evaluated");
        }
        OpsFiles.Run r = OpsFiles.run(
                rulesDir, List.of(OpsFiles.program("promtool").toString(), "test", "rules", "aitbc-rules.test.yml"));
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("SUCCESS"), r.output());
    }

    @Test
    void everyAlertHasARunbook() throws Exception {
        String ops = Files.readString(root.resolve("docs/OPERATIONS.md"));
        for (String alert : alerts()) {
            assertTrue(ops.contains("### " + alert + "\n"), alert + " has a runbook section in docs/OPERATIONS.md");
        }
    }
}
