package io.capstan.testkit;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waiting in tests for what a cluster does eventually, bounded, with a message saying what never happened. */
public final class Eventually {
    private Eventually() {
    }

    /** Polls {@code condition} every 250 ms until it holds; an AssertionError naming {@code what} after {@code wait}. */
    public static void eventually(String what, Duration wait, BooleanSupplier condition) {
        long deadline = System.nanoTime() + wait.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return;
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("timed out after " + wait + " waiting for: " + what);
    }
}
