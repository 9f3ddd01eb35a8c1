package io.capstan.nodeagent.runtime;

/**
 * One run of one container: the pod's uid, the container's name and the attempt (0 for the first
 * start, one more per restart, equal to the container's {@code restartCount} at start).
 */
public record ContainerId(String podUid, String container, int attempt) {
    public ContainerId {
        if (podUid == null || podUid.isEmpty() || container == null || container.isEmpty() || attempt < 0) {
            throw new IllegalArgumentException("bad container id " + podUid + "/" + container + "/" + attempt);
        }
    }

    /** The id the pod's status shows: {@code process://<podUid>/<container>/<attempt>}. */
    public String uri(String runtime) {
        return runtime + "://" + podUid + "/" + container + "/" + attempt;
    }
}
