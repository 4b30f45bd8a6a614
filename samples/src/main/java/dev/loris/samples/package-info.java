/**
 * Runnable examples of the Loris API, each with a test that runs it. Empty until the trainer exists.
 */
package dev.loris.samples;
