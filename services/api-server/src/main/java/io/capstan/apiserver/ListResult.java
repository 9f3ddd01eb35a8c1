package io.capstan.apiserver;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/** A page of a LIST: items, the collection resourceVersion, and the continue token if more follow. */
public record ListResult(List<ObjectNode> items, String resourceVersion, String continueToken, Long remainingItemCount) {
}
