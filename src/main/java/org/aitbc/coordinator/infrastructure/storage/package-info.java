/**
 * Where result files live. {@link org.aitbc.coordinator.infrastructure.storage.ResultStore} is the
 * small interface the application uses; {@link org.aitbc.coordinator.infrastructure.storage.FileResultStore}
 * keeps files in a directory (shared between servers when several run),
 * {@link org.aitbc.coordinator.infrastructure.storage.S3ResultStore} in an S3-compatible bucket;
 * {@link org.aitbc.coordinator.infrastructure.storage.ResultStores} picks one from
 * {@code aitbc.results.store}.
 */
package org.aitbc.coordinator.infrastructure.storage;
