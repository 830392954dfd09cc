/** Work done once when the application starts (development keys). */
package org.aitbc.coordinator.interfaces.startup;
