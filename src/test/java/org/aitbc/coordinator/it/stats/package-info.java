/** Black-box tests of the statistics routes the console's charts and operator pages read. */
package org.aitbc.coordinator.it.stats;
