package io.capstan.scheduler.plugins;

import io.capstan.scheduler.framework.Framework;

/** Score normalization shared by plugins (helper.DefaultNormalizeScore). */
final class Scores {
    private Scores() {
    }

    /**
     * Scales scores to 0..100 by the highest one; with {@code reverse}, 100 minus that. All zero
     * stays zero (or becomes 100 when reversed).
     */
    static void defaultNormalize(long[] scores, boolean reverse) {
        long max = 0;
        for (long s : scores) {
            max = Math.max(max, s);
        }
        if (max == 0) {
            if (reverse) {
                java.util.Arrays.fill(scores, Framework.MAX_NODE_SCORE);
            }
            return;
        }
        for (int i = 0; i < scores.length; i++) {
            long s = Framework.MAX_NODE_SCORE * scores[i] / max;
            scores[i] = reverse ? Framework.MAX_NODE_SCORE - s : s;
        }
    }
}
