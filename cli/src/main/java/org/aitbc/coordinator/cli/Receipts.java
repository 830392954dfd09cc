package org.aitbc.coordinator.cli;

import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.aitbc.coordinator.wire.CanonicalJson;

/**
 * Receipts on the client's side (docs/RECEIPTS.md): the coordinator keys kept in
 * {@code keys.json} beside the configuration file ({@code ~/.aitbc/keys.json}; {@code AITBC_CONFIG}
 * moves both), fetched from {@code GET /v1/keys} once (when a download brings a receipt signed by
 * a key not kept yet, or by {@code aitbc client keys}), and the offline check of a downloaded job
 * folder against its {@code receipt.json}, which never calls the server.
 */
final class Receipts {
    static final String RECEIPT_JSON = "receipt.json";
    static final String CHECKSUMS = "output.sha256";

    private Receipts() {}

    static Path keysFile(Settings settings) {
        return settings.file().toAbsolutePath().resolveSibling("keys.json");
    }

    /** The kept keys by key id: their public key (X.509 DER, base64). */
    static Map<String, String> keptKeys(Settings settings) {
        Map<String, String> keys = new LinkedHashMap<>();
        Path f = keysFile(settings);
        if (!Files.isRegularFile(f)) {
            return keys;
        }
        try (JsonReader r = Json.createReader(new StringReader(Files.readString(f)))) {
            for (JsonValue v : r.readObject().getJsonArray("keys")) {
                JsonObject k = v.asJsonObject();
                keys.put(k.getString("key_id"), k.getString("public_key"));
            }
        } catch (IOException | RuntimeException e) {
            throw new CliException(Aitbc.EXIT_USAGE, "cannot read " + f + ": " + e.getMessage());
        }
        return keys;
    }

    /**
     * Adds the keys of a {@code GET /v1/keys} answer to the kept ones (a key is kept only when its
     * id is the SHA-256 of its public key); answers how many were new.
     */
    static int keep(Settings settings, String keysAnswer, String url) {
        Map<String, String> kept = keptKeys(settings);
        int added = 0;
        List<JsonObject> entries = new ArrayList<>();
        Path f = keysFile(settings);
        if (Files.isRegularFile(f)) {
            try (JsonReader r = Json.createReader(new StringReader(Files.readString(f)))) {
                r.readObject().getJsonArray("keys").forEach(v -> entries.add(v.asJsonObject()));
            } catch (IOException | RuntimeException e) {
                throw new CliException(Aitbc.EXIT_USAGE, "cannot read " + f + ": " + e.getMessage());
            }
        }
        for (JsonValue v : Http.object(keysAnswer).getJsonArray("keys")) {
            JsonObject k = v.asJsonObject();
            String id = k.getString("key_id");
            String pub = k.getString("public_key");
            if (kept.containsKey(id) || !id.equals(sha256(Base64.getDecoder().decode(pub)))) {
                continue;
            }
            entries.add(Json.createObjectBuilder()
                    .add("key_id", id)
                    .add("algorithm", "Ed25519")
                    .add("public_key", pub)
                    .add("coordinator_url", url)
                    .add("fetched_at", Instant.now().toString())
                    .build());
            kept.put(id, pub);
            added++;
        }
        if (added > 0) {
            JsonArrayBuilder list = Json.createArrayBuilder();
            entries.forEach(list::add);
            try {
                Files.createDirectories(f.getParent());
                Files.writeString(
                        f, Json.createObjectBuilder().add("keys", list).build().toString() + "\n");
            } catch (IOException e) {
                throw new CliException(Aitbc.EXIT_USAGE, "cannot write " + f + ": " + e.getMessage());
            }
        }
        return added;
    }

    /** The key id a receipt file names, or null when the file is not a readable receipt. */
    static String keyIdOf(Path receiptFile) {
        try (JsonReader r = Json.createReader(new StringReader(Files.readString(receiptFile)))) {
            return r.readObject().getJsonObject("signature").getString("key_id");
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The outcome of an offline check: the problems found (each naming its file), and the receipt. */
    record Outcome(Path folder, List<String> problems, List<String> checked, JsonObject receipt) {}

    /**
     * Checks the job folder ({@code dir/<job id>}, or {@code dir} itself when it holds the
     * receipt) against its receipt and the kept keys: the signature, every file's size and SHA-256,
     * {@code output.sha256} against the package digest, and no file the receipt does not cover.
     */
    static Outcome verify(Path given, String jobId, Map<String, String> keys) {
        // Compared absolute and normalised: ./results and its absolute form name the same files.
        Path dir = given.toAbsolutePath().normalize();
        Path folder = Files.isRegularFile(dir.resolve(jobId).resolve(RECEIPT_JSON)) ? dir.resolve(jobId) : dir;
        Path file = folder.resolve(RECEIPT_JSON);
        List<String> problems = new ArrayList<>();
        List<String> checked = new ArrayList<>();
        if (!Files.isRegularFile(file)) {
            problems.add(RECEIPT_JSON + ": not found in " + dir.resolve(jobId) + " nor in " + dir);
            return new Outcome(folder, problems, checked, null);
        }
        JsonObject receipt;
        JsonObject signature;
        try (JsonReader r = Json.createReader(new StringReader(Files.readString(file)))) {
            JsonObject doc = r.readObject();
            receipt = doc.getJsonObject("receipt");
            signature = doc.getJsonObject("signature");
            if (receipt == null || signature == null) {
                throw new IllegalArgumentException("no receipt or signature");
            }
        } catch (IOException | RuntimeException e) {
            problems.add(RECEIPT_JSON + ": not a receipt (" + e.getMessage() + ")");
            return new Outcome(folder, problems, checked, null);
        }
        if (!jobId.equals(text(receipt, "job_id"))) {
            problems.add(RECEIPT_JSON + ": the receipt of job " + text(receipt, "job_id") + ", not of " + jobId);
        }
        String keyId = text(signature, "key_id");
        String pub = keyId == null ? null : keys.get(keyId);
        if (!"Ed25519".equals(text(signature, "algorithm"))) {
            problems.add(RECEIPT_JSON + ": signature algorithm " + text(signature, "algorithm") + " is not Ed25519");
        } else if (pub == null) {
            problems.add(RECEIPT_JSON + ": signed by key " + keyId
                    + ", which is not a coordinator key kept here (run 'aitbc client keys' to fetch them)");
        } else if (!keyId.equals(text(receipt, "key_id"))) {
            problems.add(RECEIPT_JSON + ": the signature's key " + keyId + " is not the key the receipt names");
        } else if (!signed(pub, CanonicalJson.bytes(receipt), text(signature, "value"))) {
            problems.add(RECEIPT_JSON + ": the signature does not match the receipt (its content, such as cost or "
                    + "miner_id, was changed after signing, or another key signed it)");
        } else {
            checked.add(RECEIPT_JSON);
        }
        TreeSet<String> covered = new TreeSet<>(List.of(RECEIPT_JSON, CHECKSUMS));
        if (receipt.get("files") instanceof jakarta.json.JsonArray files) {
            for (JsonValue v : files) {
                JsonObject f = v.asJsonObject();
                String path = text(f, "path");
                covered.add(path);
                checkFile(folder, path, text(f, "size_bytes"), text(f, "sha256"), problems, checked);
            }
        } else {
            problems.add(RECEIPT_JSON + ": lists no files");
        }
        Path sums = folder.resolve(CHECKSUMS);
        if (Files.isRegularFile(sums)) {
            try {
                if (!sha256(Files.readAllBytes(sums)).equals(text(receipt, "package_sha256"))) {
                    problems.add(CHECKSUMS + ": does not match the receipt's package_sha256");
                } else {
                    checked.add(CHECKSUMS);
                }
            } catch (IOException e) {
                problems.add(CHECKSUMS + ": cannot be read (" + e.getMessage() + ")");
            }
        }
        try (Stream<Path> walk = Files.walk(folder)) {
            walk.filter(Files::isRegularFile)
                    .map(p -> folder.relativize(p).toString().replace('\\', '/'))
                    .filter(p -> !covered.contains(p))
                    .sorted()
                    .forEach(p -> problems.add(p + ": not covered by the receipt"));
        } catch (IOException e) {
            problems.add(folder + ": cannot be listed (" + e.getMessage() + ")");
        }
        return new Outcome(folder, problems, checked, receipt);
    }

    private static void checkFile(
            Path folder, String path, String size, String sha, List<String> problems, List<String> checked) {
        Path p = path == null ? null : folder.resolve(path).normalize();
        if (p == null || !p.startsWith(folder)) {
            problems.add(RECEIPT_JSON + ": names a file outside the job folder: " + path);
            return;
        }
        if (!Files.isRegularFile(p)) {
            problems.add(path + ": missing");
            return;
        }
        try {
            long actual = Files.size(p);
            if (!Long.toString(actual).equals(size)) {
                problems.add(path + ": " + actual + " bytes, the receipt says " + size);
            } else if (!ResultCommands.Download.sha256(p).equals(sha)) {
                problems.add(path + ": SHA-256 differs from the receipt's");
            } else {
                checked.add(path);
            }
        } catch (IOException e) {
            problems.add(path + ": cannot be read (" + e.getMessage() + ")");
        }
    }

    static String text(JsonObject o, String name) {
        return o.get(name) instanceof JsonString s ? s.getString() : null;
    }

    private static boolean signed(String publicKey, byte[] message, String signature) {
        try {
            PublicKey key = KeyFactory.getInstance("Ed25519")
                    .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(publicKey)));
            Signature s = Signature.getInstance("Ed25519");
            s.initVerify(key);
            s.update(message);
            return s.verify(Base64.getDecoder().decode(signature));
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
