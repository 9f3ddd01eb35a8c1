package io.capstan.controller;

import io.capstan.api.feed.ChangeFeed;
import io.fabric8.kubernetes.api.model.HasMetadata;

/** Maps fabric8 model classes to their change-feed topic. */
public final class FeedTopics {
    private FeedTopics() {
    }

    /** {@code capstan.<plural>} or {@code capstan.<plural>.<group>}, from the class's {@code @Group} and plural. */
    public static String topicOf(Class<? extends HasMetadata> type) {
        return ChangeFeed.topic(HasMetadata.getGroup(type), HasMetadata.getPlural(type));
    }
}
