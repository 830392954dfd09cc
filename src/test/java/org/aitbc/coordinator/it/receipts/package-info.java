/** Signed receipts: the receipt route, the keys, receipt.json in packages, and the CLI's offline verification. */
package org.aitbc.coordinator.it.receipts;
