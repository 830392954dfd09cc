package org.aitbc.coordinator.cli;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonValue;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** A job's results: {@code aitbc client download}, {@code share}, {@code verify} and {@code delete}. */
final class ResultCommands {
    private ResultCommands() {}

    @Command(
            name = "download",
            mixinStandardHelpOptions = true,
            description = "Download a job's results into DIR/job_<ID>/ and check every file.")
    static class Download extends ClientCommand.OneJob {
        @Option(names = "--output", defaultValue = ".", description = "Folder to unpack into (default: here)")
        Path output;

        @Option(
                names = "--checksum",
                description = "Also write output.sha256 here (for sha256sum -c output.sha256 in "
                        + "this folder) and into the job folder")
        boolean checksum;

        @Override
        public void run() {
            Http http = http();
            // Every path is compared absolute and normalised: ./results, . and ../x name the same folders
            // as their absolute forms. Messages show the folder as it was given.
            Path into = output.toAbsolutePath().normalize();
            Path dir = into.resolve(jobId).normalize();
            if (!into.equals(dir.getParent())) {
                throw new CliException(Aitbc.EXIT_USAGE, "not a job id: " + jobId);
            }
            Path shown = output.resolve(jobId);
            try {
                Files.createDirectories(into);
                Path zip = Files.createTempFile(into, ".aitbc-", ".zip");
                try {
                    fetch(http, jobPath("/download"), zip);
                    unzip(zip, into, dir);
                } finally {
                    Files.deleteIfExists(zip);
                }
                String sums = http.send("GET", jobPath("/download?checksum=true"), null);
                int checked = 0;
                for (String line : sums.split("\n")) {
                    if (line.isBlank()) {
                        continue;
                    }
                    String expected = line.substring(0, 64);
                    String path = line.substring(66);
                    Path f = dir.resolve(path).normalize();
                    if (!f.startsWith(dir)
                            || !Files.isRegularFile(f)
                            || !sha256(f).equals(expected)) {
                        throw new CliException(Aitbc.EXIT_VERIFY, path + " does not match its checksum");
                    }
                    checked++;
                }
                keepReceiptKey(http, dir);
                Path here = null;
                if (checksum) {
                    Files.writeString(dir.resolve("output.sha256"), sums);
                    here = writeHere(sums, dir);
                }
                if (json()) {
                    JsonObjectBuilder o = Json.createObjectBuilder()
                            .add("job_id", jobId)
                            .add("directory", dir.toString())
                            .add("files_verified", checked);
                    if (checksum) {
                        var files = Json.createArrayBuilder()
                                .add(dir.resolve("output.sha256").toString());
                        o.add("checksum_files", here == null ? files : files.add(here.toString()));
                    }
                    out().println(o.build());
                } else {
                    out().println("Downloaded to " + shown + ": " + checked + " files, all match their SHA-256"
                            + (!checksum
                                    ? ""
                                    : here == null
                                            ? "; " + shown.resolve("output.sha256") + " written"
                                            : "; output.sha256 written here and in " + shown
                                                    + " (sha256sum -c output.sha256)"));
                }
            } catch (IOException e) {
                throw new CliException(Aitbc.EXIT_NETWORK, "download failed: " + e.getMessage());
            }
        }

        /**
         * Keeps the key of the package's receipt in {@code ~/.aitbc/keys.json}, fetching the
         * coordinator's keys once, when the receipt names a key not kept yet, so that
         * {@code verify --offline} later needs no server.
         */
        private void keepReceiptKey(Http http, Path dir) {
            String keyId = Receipts.keyIdOf(dir.resolve(Receipts.RECEIPT_JSON));
            Settings settings = root().settings();
            if (keyId == null || Receipts.keptKeys(settings).containsKey(keyId)) {
                return;
            }
            Receipts.keep(settings, http.send("GET", "/v1/keys", null), http.url);
        }

        /**
         * Writes {@code output.sha256} in the folder the command runs in, each path leading from there
         * into the job folder (absolute when that folder is elsewhere), so that the guide's next line,
         * {@code sha256sum -c output.sha256}, passes where the user is. Returns the file, or null
         * (with a warning) when this folder cannot be written: the job folder's copy is enough then.
         */
        private Path writeHere(String sums, Path dir) {
            Path here = Path.of("").toAbsolutePath();
            String prefix = (dir.startsWith(here) ? here.relativize(dir) : dir)
                            .toString()
                            .replace('\\', '/') + "/";
            StringBuilder b = new StringBuilder();
            for (String line : sums.split("\n")) {
                if (!line.isBlank()) {
                    b.append(line, 0, 66)
                            .append(prefix)
                            .append(line.substring(66))
                            .append('\n');
                }
            }
            Path file = here.resolve("output.sha256");
            try {
                Files.writeString(file, b);
                return file;
            } catch (IOException e) {
                root().err
                        .println("aitbc: cannot write " + file + " (" + e.getMessage()
                                + "); the job folder has its own");
                return null;
            }
        }

        /** Streams the package to disk, with a progress bar on a terminal. */
        private void fetch(Http http, String path, Path zip) throws IOException {
            var r = http.streamed(path);
            long total = r.headers().firstValueAsLong("Content-Length").orElse(-1);
            boolean tty = System.console() != null && !json();
            long done = 0;
            int shown = -1;
            try (InputStream in = r.body();
                    OutputStream file = Files.newOutputStream(zip)) {
                byte[] buf = new byte[64 * 1024];
                int n;
                while ((n = in.read(buf)) > 0) {
                    file.write(buf, 0, n);
                    done += n;
                    int percent = total > 0 ? (int) (done * 100 / total) : 0;
                    if (tty && total > 0 && percent != shown) {
                        out().print("\r" + Format.bar(percent) + " " + done + " of " + total + " bytes");
                        shown = percent;
                    }
                }
            }
            if (tty && total > 0) {
                out().println();
            }
        }

        /** Unpacks the package into {@code into} (absolute, normalised); every entry must land in {@code dir}. */
        private static void unzip(Path zip, Path into, Path dir) throws IOException {
            try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
                ZipEntry e;
                while ((e = in.getNextEntry()) != null) {
                    Path target = into.resolve(e.getName()).normalize();
                    if (!target.startsWith(dir)) {
                        throw new CliException(Aitbc.EXIT_VERIFY, "the package has an unexpected entry " + e.getName());
                    }
                    if (e.isDirectory()) {
                        Files.createDirectories(target);
                        continue;
                    }
                    Files.createDirectories(target.getParent());
                    Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }

        static String sha256(Path f) throws IOException {
            try (InputStream in = Files.newInputStream(f)) {
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                byte[] buf = new byte[64 * 1024];
                int n;
                while ((n = in.read(buf)) > 0) {
                    md.update(buf, 0, n);
                }
                return HexFormat.of().formatHex(md.digest());
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Command(
            name = "share",
            mixinStandardHelpOptions = true,
            description = "Create a link that downloads the results without a key.")
    static class Share extends ClientCommand.OneJob {
        @Option(names = "--expires", description = "How long: 30m, 12h, 7d (default 7d, at most 90d)")
        String expires;

        @Override
        public void run() {
            String body = http().send(
                            "POST",
                            jobPath("/share"),
                            expires == null
                                    ? "{}"
                                    : Json.createObjectBuilder()
                                            .add("expires", expires)
                                            .build()
                                            .toString());
            if (printedAsJson(body)) {
                return;
            }
            JsonObject s = Http.object(body);
            out().println("Share link: " + s.getString("url"));
            out().println("Expires:    " + s.getString("expires_at"));
        }
    }

    @Command(
            name = "verify",
            mixinStandardHelpOptions = true,
            description = "Have the coordinator re-check the stored files against their checksums.")
    static class Verify extends ClientCommand.OneJob {
        @Option(
                names = "--offline",
                paramLabel = "DIR",
                description = "Check a downloaded folder (DIR/<job id>, or DIR itself) against its receipt.json and "
                        + "the coordinator keys kept in ~/.aitbc/keys.json, without calling the server")
        Path offline;

        @Override
        public void run() {
            if (offline != null) {
                verifyOffline(this);
                return;
            }
            String body = http().send("POST", jobPath("/verify"), null);
            JsonObject v = Http.object(body);
            if (!printedAsJson(body)) {
                for (JsonValue f : v.getJsonArray("files")) {
                    JsonObject o = f.asJsonObject();
                    out().printf(
                                    "%-4s %s (%d bytes)%n",
                                    o.getBoolean("ok") ? "OK" : "BAD",
                                    o.getString("path"),
                                    o.getJsonNumber("size_bytes").longValue());
                }
                out().println(v.getBoolean("verified") ? "All files verified." : "Verification FAILED.");
            }
            if (!v.getBoolean("verified")) {
                throw new CliException(
                        Aitbc.EXIT_VERIFY, "some files of job " + jobId + " do not match their checksums");
            }
        }
    }

    /** The offline check: no request at all, the kept keys only. */
    private static void verifyOffline(Verify v) {
        Receipts.Outcome o =
                Receipts.verify(v.offline, v.jobId, Receipts.keptKeys(v.root().settings()));
        if (v.json()) {
            var problems = Json.createArrayBuilder();
            o.problems().forEach(problems::add);
            var checked = Json.createArrayBuilder();
            o.checked().forEach(checked::add);
            v.out()
                    .println(Json.createObjectBuilder()
                            .add("job_id", v.jobId)
                            .add("verified", o.problems().isEmpty())
                            .add("folder", o.folder().toString())
                            .add("checked", checked)
                            .add("problems", problems)
                            .build());
        } else {
            o.checked().forEach(c -> v.out().println("OK   " + c));
            o.problems().forEach(p -> v.out().println("BAD  " + p));
        }
        if (!o.problems().isEmpty()) {
            throw new CliException(
                    Aitbc.EXIT_VERIFY,
                    "job " + v.jobId + " does not match its receipt: " + String.join("; ", o.problems()));
        }
        if (!v.json()) {
            JsonObject r = o.receipt();
            v.out()
                    .println("Receipt verified offline: job " + v.jobId + ", " + Receipts.text(r, "status")
                            + " by miner "
                            + Receipts.text(r, "miner_id") + ", cost " + Receipts.text(r, "cost") + " AITBC, "
                            + (o.checked().size() - 1) + " files, signed by key "
                            + Receipts.text(r, "key_id").substring(0, 16) + "...");
        }
    }

    @Command(
            name = "keys",
            mixinStandardHelpOptions = true,
            description = "Fetch the coordinator's receipt keys (GET /v1/keys) and keep them in ~/.aitbc/keys.json.")
    static class Keys extends ClientCommand {
        @Override
        public void run() {
            Settings settings = root().settings();
            String url = settings.url(root().url);
            String body = new Http(url, null, java.util.Map.of()).send("GET", "/v1/keys", null);
            int added = Receipts.keep(settings, body, url);
            if (printedAsJson(body)) {
                return;
            }
            for (JsonValue k : Http.object(body).getJsonArray("keys")) {
                JsonObject o = k.asJsonObject();
                out().println((o.getBoolean("current") ? "current " : "old     ") + o.getString("key_id"));
            }
            out().println(added + " new key(s) kept in " + Receipts.keysFile(settings));
        }
    }

    @Command(
            name = "delete",
            mixinStandardHelpOptions = true,
            description = "Delete a job's stored results (the job stays in the history).")
    static class Delete extends ClientCommand.OneJob {
        @Override
        public void run() {
            String body = http().send("DELETE", jobPath("/results"), null);
            if (!printedAsJson(body)) {
                out().println("Results of " + jobId + " deleted.");
            }
        }
    }
}
