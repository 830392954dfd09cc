/**
 * Where result files live. {@link org.aitbc.coordinator.infrastructure.storage.ResultStore} is the
 * small interface the application uses; {@link org.aitbc.coordinator.infrastructure.storage.FileResultStore}
 * keeps files in a directory (shared between servers when several run), and an object store can
 * implement the same interface later.
 */
package org.aitbc.coordinator.infrastructure.storage;
