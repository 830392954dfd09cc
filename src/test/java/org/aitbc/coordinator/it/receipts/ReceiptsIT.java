package org.aitbc.coordinator.it.receipts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.aitbc.coordinator.it.support.Api;
import org.aitbc.coordinator.it.support.Locks;
import org.aitbc.coordinator.wire.CanonicalJson;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * Signed receipts end to end: the receipt the server signs when a job ends, its key at
 * {@code GET /v1/keys}, {@code receipt.json} in the downloaded package, and
 * {@code aitbc client verify --offline} run as a user types it (the real CLI jar through
 * {@code bin/aitbc} on PATH, in an empty working directory, relative paths), with the server out
 * of reach for the check itself; then every kind of tampering, each failing and naming its file.
 */
// Beside the waiting classes, not beside another heavy one: a JVM for every aitbc command.
@ResourceLock(Locks.CPU_HEAVY)
public class ReceiptsIT {
    static final byte[] MODEL = "weights-0123456789".repeat(100).getBytes(StandardCharsets.UTF_8);
    static final byte[] STDOUT = "step 1\nstep 2\n".getBytes(StandardCharsets.UTF_8);
    /** Nothing listens here: an offline check that called the server would fail on it. */
    static final String NO_SERVER = "http://127.0.0.1:9";

    static Path checkout;

    @TempDir
    Path tmp;

    @BeforeAll
    static void findCheckout() {
        Path p = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        while (p != null && !Files.isRegularFile(p.resolve("bin/aitbc"))) {
            p = p.getParent();
        }
        assertTrue(p != null, "bin/aitbc above " + System.getProperty("user.dir"));
        checkout = p;
        assertTrue(Files.isRegularFile(checkout.resolve("cli/target/aitbc.jar")), "the CLI jar is built first");
    }

    record Ran(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    /** Runs one command line with bash in {@code dir}, aitbc on PATH, the given URL and key. */
    Ran run(Path dir, String url, String key, String line) throws Exception {
        Path bin = tmp.resolve("bin");
        if (!Files.exists(bin.resolve("aitbc"))) {
            Files.createDirectories(bin);
            Files.createSymbolicLink(bin.resolve("aitbc"), checkout.resolve("bin/aitbc"));
        }
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", line).directory(dir.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("AITBC_"));
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        pb.environment().put("AITBC_URL", url);
        pb.environment().put("AITBC_API_KEY", key);
        // The user's ~/.aitbc: config and kept keys, the same for every command of this test.
        pb.environment().put("AITBC_CONFIG", tmp.resolve("home/.aitbc/config").toString());
        Process p = pb.start();
        p.getOutputStream().close();
        var out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        var err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("still running: " + line);
        }
        return new Ran(p.exitValue(), out.get(10, TimeUnit.SECONDS), err.get(10, TimeUnit.SECONDS));
    }

    static String read(java.io.InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    static JsonObject json(String text) {
        try (JsonReader r = Json.createReader(new StringReader(text))) {
            return r.readObject();
        }
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    /** A job run to completion with an artifact and a log; returns its id. */
    static String completedJob(String client, String minerKey, String miner, String region) {
        Api.register(minerKey, miner, region, 2);
        String job = Api.submit(client, region);
        assertEquals(job, Api.poll(minerKey, miner, 2));
        Api.post("/v1/miners/" + job + "/start?miner_id=" + miner, minerKey, null)
                .expect(200);
        Api.upload(minerKey, miner, job, "artifacts/model.bin", MODEL).expect(200);
        Api.upload(minerKey, miner, job, "logs/stdout.log", STDOUT).expect(200);
        Api.sleep(1100);
        Api.post(
                        "/v1/miners/" + job + "/result?miner_id=" + miner,
                        minerKey,
                        "{\"result\":{\"output\":\"Hello, receipts\"},\"metrics\":{\"tokens\":2}}")
                .expect(200);
        return job;
    }

    @Test
    void theReceiptCoversTheJobAndItsFilesAndVerifiesWithTheListedKey() throws Exception {
        String client = Api.client();
        String minerKey = Api.miner();
        String region = Api.uniqueRegion();
        String miner = region + "-m";
        String running = Api.submit(client, region);
        Api.get("/v1/jobs/" + running + "/receipt", client).expectError(409, "RECEIPT_NOT_READY");
        Api.delete("/v1/jobs/" + running, client).expect(200);
        String job = completedJob(client, minerKey, miner, region);

        JsonObject answer =
                Api.get("/v1/jobs/" + job + "/receipt", client).expect(200).json();
        JsonObject receipt = answer.getJsonObject("receipt");
        JsonObject signature = answer.getJsonObject("signature");
        JsonObject view = Api.job(client, job);
        assertEquals(job, receipt.getString("job_id"));
        assertEquals("completed", receipt.getString("status"));
        assertEquals(miner, receipt.getString("miner_id"));
        assertEquals("1", receipt.getString("attempt"));
        assertEquals(view.getString("started_at"), receipt.getString("started_at"));
        assertEquals(view.getString("completed_at"), receipt.getString("ended_at"));
        assertEquals(view.getJsonNumber("cost").bigDecimalValue().toPlainString(), receipt.getString("cost"));
        assertTrue(Long.parseLong(receipt.getString("gpu_seconds")) >= 1, receipt.toString());
        assertTrue(receipt.getString("spec_sha256").matches("[0-9a-f]{64}"));
        assertFalse(receipt.getString("client_id").isBlank());
        // Every file with its size and SHA-256, as the checksum file of the package says.
        String sums = Api.get("/v1/jobs/" + job + "/download?checksum=true", client)
                .expect(200)
                .body();
        Map<String, String> byPath = new HashMap<>();
        for (JsonValue v : receipt.getJsonArray("files")) {
            JsonObject f = v.asJsonObject();
            byPath.put(f.getString("path"), f.getString("sha256"));
            assertTrue(sums.contains(f.getString("sha256") + "  " + f.getString("path") + "\n"), f.toString());
        }
        assertEquals(
                java.util.Set.of("artifacts/model.bin", "logs/stdout.log", "output.json", "result.txt"),
                byPath.keySet());
        assertEquals(sha256(MODEL), byPath.get("artifacts/model.bin"));
        assertEquals(
                String.valueOf(MODEL.length),
                receipt.getJsonArray("files").stream()
                        .map(JsonValue::asJsonObject)
                        .filter(f -> f.getString("path").equals("artifacts/model.bin"))
                        .findFirst()
                        .orElseThrow()
                        .getString("size_bytes"));
        assertEquals(sha256(sums.getBytes(StandardCharsets.UTF_8)), receipt.getString("package_sha256"));

        // The key is public, its id is the SHA-256 of its DER bytes, and it verifies the canonical encoding.
        JsonArray keys = Api.get("/v1/keys", null).expect(200).json().getJsonArray("keys");
        JsonObject current = keys.getJsonObject(0);
        assertTrue(current.getBoolean("current"));
        assertEquals("Ed25519", signature.getString("algorithm"));
        assertEquals(current.getString("key_id"), signature.getString("key_id"));
        assertEquals(current.getString("key_id"), receipt.getString("key_id"));
        byte[] der = Base64.getDecoder().decode(current.getString("public_key"));
        assertEquals(sha256(der), current.getString("key_id"));
        Signature verifier = Signature.getInstance("Ed25519");
        verifier.initVerify(KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der)));
        verifier.update(CanonicalJson.bytes(receipt));
        assertTrue(verifier.verify(Base64.getDecoder().decode(signature.getString("value"))));

        // Another client cannot read it; the receipt outlives the results.
        Api.get("/v1/jobs/" + job + "/receipt", Api.client()).expectError(404, "JOB_NOT_FOUND");
        Api.delete("/v1/jobs/" + job + "/results", client).expect(200);
        JsonObject kept =
                Api.get("/v1/jobs/" + job + "/receipt", client).expect(200).json();
        assertEquals(answer, kept, "the same receipt after the results are gone");
    }

    @Test
    void offlineVerifyPassesOnTheDownloadAndFailsNamingWhatWasChanged() throws Exception {
        String client = Api.client();
        String minerKey = Api.miner();
        String region = Api.uniqueRegion();
        String miner = region + "-m";
        String job = completedJob(client, minerKey, miner, region);
        Path user = Files.createDirectories(tmp.resolve("user"));
        try (Stream<Path> empty = Files.list(user)) {
            assertEquals(0, empty.count());
        }

        Ran download = run(user, Api.BASE, client, "aitbc client download --job-id " + job + " --output ./results");
        assertEquals(0, download.code(), download.toString());
        Path folder = user.resolve("results").resolve(job);
        assertTrue(Files.isRegularFile(folder.resolve("receipt.json")), "receipt.json beside output.sha256");
        assertTrue(Files.isRegularFile(folder.resolve("output.sha256")));
        assertTrue(Files.isRegularFile(tmp.resolve("home/.aitbc/keys.json")), "the key is kept in ~/.aitbc/");

        // The check itself never calls the server: its URL points at nothing.
        Ran ok = run(user, NO_SERVER, client, "aitbc client verify --job-id " + job + " --offline ./results");
        assertEquals(0, ok.code(), ok.toString());
        assertTrue(ok.out().contains("Receipt verified offline") && ok.out().contains(miner), ok.toString());
        // The job folder itself may be named too.
        Ran inside =
                run(user, NO_SERVER, client, "aitbc client verify --job-id " + job + " --offline ./results/" + job);
        assertEquals(0, inside.code(), inside.toString());

        // One byte of any file changed: the check fails and names that file.
        for (String path :
                new String[] {"result.txt", "output.json", "artifacts/model.bin", "logs/stdout.log", "output.sha256"}) {
            Path copy = copyOf(user, job, path.replace('/', '-'));
            Path f = copy.resolve(job).resolve(path);
            byte[] b = Files.readAllBytes(f);
            b[b.length / 2] ^= 0x01;
            Files.write(f, b);
            assertFails(user, job, copy, path);
        }
        // The receipt's cost or miner changed: the signature no longer matches; receipt.json is named.
        tamperReceipt(
                user,
                job,
                "cost",
                r -> Json.createObjectBuilder(r).add("cost", "0.000001").build());
        tamperReceipt(
                user,
                job,
                "miner",
                r -> Json.createObjectBuilder(r).add("miner_id", "someone-else").build());
        // A file the receipt does not cover is named too.
        Path extra = copyOf(user, job, "extra");
        Files.writeString(extra.resolve(job).resolve("artifacts/added.bin"), "x");
        assertFails(user, job, extra, "artifacts/added.bin");
    }

    @Test
    void aReceiptSignedByAnotherKeyFails() throws Exception {
        String client = Api.client();
        String minerKey = Api.miner();
        String region = Api.uniqueRegion();
        String job = completedJob(client, minerKey, region + "-m", region);
        Path user = Files.createDirectories(tmp.resolve("user"));
        Ran download = run(user, Api.BASE, client, "aitbc client download --job-id " + job + " --output ./results");
        assertEquals(0, download.code(), download.toString());
        KeyPair other = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        String otherId = sha256(other.getPublic().getEncoded());

        // Signed by a key of its own, naming that key: it is not a coordinator key.
        Path own = copyOf(user, job, "own-key");
        JsonObject doc = json(Files.readString(own.resolve(job).resolve("receipt.json")));
        JsonObject body = Json.createObjectBuilder(doc.getJsonObject("receipt"))
                .add("key_id", otherId)
                .add("cost", "0.000000")
                .build();
        writeReceipt(own, job, body, otherId, sign(other, body));
        Ran r = assertFails(user, job, own, "receipt.json");
        assertTrue(r.toString().contains("not a coordinator key"), r.toString());

        // Signed by another key while naming the coordinator's: the signature does not verify.
        Path forged = copyOf(user, job, "forged");
        JsonObject original = doc.getJsonObject("receipt");
        String coordinatorKey = doc.getJsonObject("signature").getString("key_id");
        writeReceipt(forged, job, original, coordinatorKey, sign(other, original));
        Ran f = assertFails(user, job, forged, "receipt.json");
        assertTrue(f.toString().contains("signature does not match"), f.toString());
        assertNotEquals(otherId, coordinatorKey);
    }

    static String sign(KeyPair key, JsonObject body) throws Exception {
        Signature s = Signature.getInstance("Ed25519");
        s.initSign(key.getPrivate());
        s.update(CanonicalJson.bytes(body));
        return Base64.getEncoder().encodeToString(s.sign());
    }

    static void writeReceipt(Path copy, String job, JsonObject body, String keyId, String sig) throws IOException {
        Files.writeString(
                copy.resolve(job).resolve("receipt.json"),
                Json.createObjectBuilder()
                        .add("receipt", body)
                        .add(
                                "signature",
                                Json.createObjectBuilder()
                                        .add("algorithm", "Ed25519")
                                        .add("key_id", keyId)
                                        .add("value", sig))
                        .build()
                        .toString());
    }

    void tamperReceipt(Path user, String job, String name, java.util.function.UnaryOperator<JsonObject> change)
            throws Exception {
        Path copy = copyOf(user, job, "receipt-" + name);
        Path f = copy.resolve(job).resolve("receipt.json");
        JsonObject doc = json(Files.readString(f));
        Files.writeString(
                f,
                Json.createObjectBuilder(doc)
                        .add("receipt", change.apply(doc.getJsonObject("receipt")))
                        .build()
                        .toString());
        Ran r = assertFails(user, job, copy, "receipt.json");
        assertTrue(r.toString().contains("signature does not match"), r.toString());
    }

    /** A copy of ./results as ./results-NAME (relative to the user's folder). */
    static Path copyOf(Path user, String job, String name) throws IOException {
        Path from = user.resolve("results");
        Path to = user.resolve("results-" + name);
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.sorted(Comparator.naturalOrder()).toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        }
        return to;
    }

    Ran assertFails(Path user, String job, Path copy, String named) throws Exception {
        Ran r = run(
                user,
                NO_SERVER,
                "unused",
                "aitbc client verify --job-id " + job + " --offline ./" + user.relativize(copy));
        assertEquals(7, r.code(), named + ": " + r);
        assertTrue(r.err().contains(named) && r.out().contains("BAD  " + named), named + ": " + r);
        return r;
    }
}
