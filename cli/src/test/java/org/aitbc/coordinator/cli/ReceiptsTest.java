package org.aitbc.coordinator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.util.Base64;
import java.util.Map;
import org.aitbc.coordinator.wire.CanonicalJson;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The offline check of a job folder, and key rotation: a receipt of a retired key still verifies. */
class ReceiptsTest {
    @TempDir
    Path tmp;

    static String id(KeyPair k) {
        return Receipts.sha256(k.getPublic().getEncoded());
    }

    static String pub(KeyPair k) {
        return Base64.getEncoder().encodeToString(k.getPublic().getEncoded());
    }

    /** A job folder with one file and a receipt signed by {@code key}. */
    Path folder(KeyPair key) throws Exception {
        Path job = Files.createDirectories(tmp.resolve("results/job_1"));
        byte[] content = "hello".getBytes(StandardCharsets.UTF_8);
        Files.write(job.resolve("result.txt"), content);
        String sha = Receipts.sha256(content);
        String manifest = sha + "  result.txt\n";
        Files.writeString(job.resolve("output.sha256"), manifest);
        JsonObject receipt = Json.createObjectBuilder()
                .add("job_id", "job_1")
                .add("miner_id", "m1")
                .add("cost", "0.010000")
                .add("key_id", id(key))
                .add(
                        "files",
                        Json.createArrayBuilder()
                                .add(Json.createObjectBuilder()
                                        .add("path", "result.txt")
                                        .add("size_bytes", "5")
                                        .add("sha256", sha)))
                .add("package_sha256", Receipts.sha256(manifest.getBytes(StandardCharsets.UTF_8)))
                .build();
        Signature s = Signature.getInstance("Ed25519");
        s.initSign(key.getPrivate());
        s.update(CanonicalJson.bytes(receipt));
        Files.writeString(
                job.resolve("receipt.json"),
                Json.createObjectBuilder()
                        .add("receipt", receipt)
                        .add(
                                "signature",
                                Json.createObjectBuilder()
                                        .add("algorithm", "Ed25519")
                                        .add("key_id", id(key))
                                        .add("value", Base64.getEncoder().encodeToString(s.sign())))
                        .build()
                        .toString());
        return tmp.resolve("results");
    }

    @Test
    void aReceiptOfAnOldKeyVerifiesWhileThatKeyIsKeptAndFailsWithoutIt() throws Exception {
        KeyPair old = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        KeyPair current = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        Path dir = folder(old);
        var both = Receipts.verify(dir, "job_1", Map.of(id(current), pub(current), id(old), pub(old)));
        assertEquals(java.util.List.of(), both.problems());
        assertEquals(3, both.checked().size());
        var onlyNew = Receipts.verify(dir, "job_1", Map.of(id(current), pub(current)));
        assertEquals(1, onlyNew.problems().size(), onlyNew.problems().toString());
        assertTrue(onlyNew.problems().get(0).startsWith("receipt.json: signed by key " + id(old)));
    }

    @Test
    void keptKeysComeFromAKeysAnswerWhoseIdsAreTheHashesOfTheirKeys() throws Exception {
        KeyPair a = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        KeyPair b = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        Settings settings =
                new Settings(Map.of("AITBC_CONFIG", tmp.resolve("home/config").toString()));
        String answer = Json.createObjectBuilder()
                .add(
                        "keys",
                        Json.createArrayBuilder()
                                .add(Json.createObjectBuilder()
                                        .add("key_id", id(a))
                                        .add("public_key", pub(a)))
                                // An id that is not the hash of its key is not kept.
                                .add(Json.createObjectBuilder()
                                        .add("key_id", "0".repeat(64))
                                        .add("public_key", pub(b))))
                .build()
                .toString();
        assertEquals(1, Receipts.keep(settings, answer, "http://x"));
        assertEquals(0, Receipts.keep(settings, answer, "http://x"), "kept once");
        assertEquals(Map.of(id(a), pub(a)), Receipts.keptKeys(settings));
        assertTrue(Files.isRegularFile(tmp.resolve("home/keys.json")));
    }
}
