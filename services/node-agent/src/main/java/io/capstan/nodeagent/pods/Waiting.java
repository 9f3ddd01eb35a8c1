package io.capstan.nodeagent.pods;

/**
 * Why a container is not running although it should: the kubelet's waiting reasons
 * (CrashLoopBackOff, ErrImagePull, ImagePullBackOff, CreateContainerConfigError, ...) and the
 * message shown with them.
 */
public record Waiting(String reason, String message) {
}
