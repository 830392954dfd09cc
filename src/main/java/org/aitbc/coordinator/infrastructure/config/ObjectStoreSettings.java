package org.aitbc.coordinator.infrastructure.config;

import java.util.Optional;

/**
 * How to reach the S3-compatible bucket of results and inputs. Without an endpoint the SDK's
 * address for the region is used (AWS S3); without an access key the SDK's default credentials
 * (environment, profile, instance or container role). {@link #toString()} never shows the secret.
 *
 * @param prefix prepended to every key ({@code ""}, or e.g. {@code aitbc/}), so that a bucket can be shared
 * @param partBytes multipart part size: a file larger than one part is uploaded in parts of this size
 * @param createBucket create the bucket at the first use when it is missing (for self-hosted test stores)
 */
public record ObjectStoreSettings(
        Optional<String> endpoint,
        String region,
        String bucket,
        String prefix,
        Optional<String> accessKey,
        Optional<String> secretKey,
        boolean pathStyle,
        long partBytes,
        boolean createBucket) {
    @Override
    public String toString() {
        return "ObjectStoreSettings[endpoint=" + endpoint.orElse("(AWS default)") + ", region=" + region
                + ", bucket=" + bucket + ", prefix=" + prefix + ", accessKey=" + accessKey.orElse("(default chain)")
                + ", secretKey=" + (secretKey.isPresent() ? "(set)" : "(none)") + ", pathStyle=" + pathStyle
                + ", partBytes=" + partBytes + ", createBucket=" + createBucket + "]";
    }
}
