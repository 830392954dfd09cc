package org.aitbc.coordinator.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CudaVersionTest {
    @Test
    void ranksOrderLikeVersionsNotText() {
        assertTrue(CudaVersion.rank("12.10") > CudaVersion.rank("12.4"));
        assertTrue(CudaVersion.rank("12.4") > CudaVersion.rank("11.8.89"));
        assertEquals(CudaVersion.rank("12"), CudaVersion.rank("12.0.0"));
        assertNull(CudaVersion.rank("twelve"));
        assertNull(CudaVersion.rank("12.4.1.2"));
        assertNull(CudaVersion.rank(null));
    }

    @Test
    void gpuNamesCompareWithoutCaseSpacesOrBrandWords() {
        assertEquals(GpuNames.normalise("RTX 4060 Ti"), GpuNames.normalise("NVIDIA GeForce RTX 4060 Ti"));
        assertEquals("rtx4060ti", GpuNames.normalise("nvidia geforce rtx-4060 ti"));
        assertEquals("a100", GpuNames.normalise("NVIDIA A100"));
    }
}
