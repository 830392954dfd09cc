package org.aitbc.coordinator.container;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The paths measured against Open Liberty 26.0.0.3 (docs/HOSTILE-INPUT.md): refused by its web container, or not. */
class UndecodablePathTest {

    @ParameterizedTest
    @ValueSource(
            strings = {
                "/v1/jobs/%00",
                "/v1/jobs/a%00b",
                "/v1/jobs/%zz",
                "/v1/jobs/%u2216",
                "/v1/jobs/%",
                "/v1/jobs/%2",
                "/v1/jobs/..;",
                "/v1/jobs/..;/x",
                "/v1/jobs/.;/x",
                "/v1/jobs/;x/y",
                "/v1/jobs/%3bx/y",
                "/v1/jobs/%2e%2e;x",
                "/%2e%2e/%2e%2e/x",
                "/../x",
                "/a/../../x"
            })
    void refusesWhatTheWebContainerRefuses(String path) {
        assertNotNull(UndecodablePath.problem(path), path);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "/",
                "/v1/jobs",
                "/v1/jobs/job_123/files/logs/stdout.log",
                "/v1/jobs/%2e%2e",
                "/v1/jobs/..%2F..%2Fx",
                "/v1/jobs/%5c",
                "/v1/jobs/%c0%ae%c0%ae",
                "/v1/jobs/%ff",
                "/v1/jobs/%e2%88",
                "/v1/jobs;jsessionid=1",
                "/v1/jobs/x;y",
                "/v1/jobs/%3b",
                "/v1/jobs/;x",
                "/a/b/../c",
                "/console/",
                "/health/ready",
                "/v1/files/a%20b.txt"
            })
    void leavesTheRestToTheContainer(String path) {
        assertNull(UndecodablePath.problem(path), path);
    }
}
