package io.capstan.validation;

import io.capstan.api.status.FieldError;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import static io.capstan.validation.Trees.has;
import static io.capstan.validation.Trees.obj;
import static io.capstan.validation.Trees.objects;
import static io.capstan.validation.Trees.str;

/** pkg/apis/apps/validation and pkg/apis/batch/validation: the controllers' specs and their pod templates. */
final class WorkloadValidation {
    private WorkloadValidation() {
    }

    static final String SELECTOR_MISMATCH = "`selector` does not match template `labels`";
    private static final List<String> JOB_COMPLETION_MODES = List.of("NonIndexed", "Indexed");
    private static final List<String> CONCURRENCY_POLICIES = List.of("Allow", "Forbid", "Replace");

    /** ValidatePodTemplateSpec: the template's labels and annotations, then its pod spec. */
    static void podTemplate(List<FieldError> errs, ObjectNode template, String path, List<String> restartPolicies,
                            Set<String> extraVolumes) {
        if (template == null) {
            errs.add(FieldError.required(path, ""));
            return;
        }
        ObjectNode metadata = obj(template, "metadata");
        Checks.labels(errs, obj(metadata, "labels"), path + ".metadata.labels");
        MetadataValidation.annotations(errs, obj(metadata, "annotations"), path + ".metadata.annotations");
        PodValidation.podSpec(errs, obj(template, "spec"), path + ".spec", restartPolicies, extraVolumes);
    }

    /** The selector of a controller: required, valid, non-empty, and selecting its own template. */
    private static void selector(List<FieldError> errs, ObjectNode spec, String kind) {
        ObjectNode selector = obj(spec, "selector");
        if (selector == null) {
            errs.add(FieldError.required("spec.selector", ""));
            return;
        }
        Checks.labelSelector(errs, selector, "spec.selector");
        if (Checks.selectorEmpty(selector)) {
            errs.add(FieldError.invalid("spec.selector", selector, "empty selector is invalid for " + kind));
            return;
        }
        ObjectNode templateLabels = obj(obj(obj(spec, "template"), "metadata"), "labels");
        if (obj(spec, "template") != null && !Checks.selects(selector, templateLabels)) {
            errs.add(FieldError.invalid("spec.template.metadata.labels", templateLabels, SELECTOR_MISMATCH));
        }
    }

    private static void noActiveDeadline(List<FieldError> errs, ObjectNode spec, String kind) {
        if (has(obj(obj(spec, "template"), "spec"), "activeDeadlineSeconds")) {
            errs.add(FieldError.forbidden("spec.template.spec.activeDeadlineSeconds", "activeDeadlineSeconds in " + kind + " is not Supported"));
        }
    }

    static void deployment(List<FieldError> errs, ObjectNode spec) {
        if (spec == null) {
            errs.add(FieldError.required("spec", ""));
            return;
        }
        Checks.nonNegative(errs, spec, "replicas", "spec.replicas");
        selector(errs, spec, "deployment");
        podTemplate(errs, obj(spec, "template"), "spec.template", PodValidation.TEMPLATE_RESTART_POLICIES, Set.of());
        // Deployments share ReplicaSet's template check, message included.
        noActiveDeadline(errs, spec, "ReplicaSet");
        ObjectNode strategy = obj(spec, "strategy");
        String type = str(strategy, "type");
        switch (type) {
            case "Recreate" -> {
                if (has(strategy, "rollingUpdate")) {
                    errs.add(FieldError.forbidden("spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'"));
                }
            }
            case "RollingUpdate" -> {
                ObjectNode rollingUpdate = obj(strategy, "rollingUpdate");
                if (rollingUpdate == null) {
                    errs.add(FieldError.required("spec.strategy.rollingUpdate", "this should be defaulted and never be nil"));
                } else {
                    String p = "spec.strategy.rollingUpdate";
                    JsonNode maxUnavailable = rollingUpdate.get("maxUnavailable");
                    JsonNode maxSurge = rollingUpdate.get("maxSurge");
                    Checks.intOrPercent(errs, maxUnavailable, p + ".maxUnavailable");
                    Checks.intOrPercent(errs, maxSurge, p + ".maxSurge");
                    if (Checks.intOrPercentValue(maxUnavailable) == 0 && Checks.intOrPercentValue(maxSurge) == 0) {
                        errs.add(FieldError.invalid(p + ".maxUnavailable", maxUnavailable, "may not be 0 when `maxSurge` is 0"));
                    }
                    Checks.notMoreThan100Percent(errs, maxUnavailable, p + ".maxUnavailable");
                }
            }
            default -> errs.add(FieldError.notSupported("spec.strategy", type, List.of("Recreate", "RollingUpdate")));
        }
        Checks.nonNegative(errs, spec, "minReadySeconds", "spec.minReadySeconds");
        Checks.nonNegative(errs, spec, "revisionHistoryLimit", "spec.revisionHistoryLimit");
        Long deadline = Trees.num(spec, "progressDeadlineSeconds");
        if (deadline != null) {
            Checks.nonNegative(errs, spec, "progressDeadlineSeconds", "spec.progressDeadlineSeconds");
            long minReady = Trees.num(spec, "minReadySeconds") == null ? 0 : Trees.num(spec, "minReadySeconds");
            if (deadline <= minReady) {
                errs.add(FieldError.invalid("spec.progressDeadlineSeconds", deadline, "must be greater than minReadySeconds"));
            }
        }
    }

    static void replicaSet(List<FieldError> errs, ObjectNode spec) {
        if (spec == null) {
            errs.add(FieldError.required("spec", ""));
            return;
        }
        Checks.nonNegative(errs, spec, "replicas", "spec.replicas");
        Checks.nonNegative(errs, spec, "minReadySeconds", "spec.minReadySeconds");
        // kube says "deployment" here too: ReplicaSet validation shares the message.
        selector(errs, spec, "deployment");
        podTemplate(errs, obj(spec, "template"), "spec.template", PodValidation.TEMPLATE_RESTART_POLICIES, Set.of());
        noActiveDeadline(errs, spec, "ReplicaSet");
    }

    static void statefulSet(List<FieldError> errs, ObjectNode spec) {
        if (spec == null) {
            errs.add(FieldError.required("spec", ""));
            return;
        }
        String policy = str(spec, "podManagementPolicy");
        if (policy.isEmpty()) {
            errs.add(FieldError.required("spec.podManagementPolicy", ""));
        } else if (!policy.equals("OrderedReady") && !policy.equals("Parallel")) {
            errs.add(FieldError.invalid("spec.podManagementPolicy", policy, "must be 'OrderedReady' or 'Parallel'"));
        }
        ObjectNode strategy = obj(spec, "updateStrategy");
        switch (str(strategy, "type")) {
            case "" -> errs.add(FieldError.required("spec.updateStrategy", ""));
            case "OnDelete" -> {
                if (has(strategy, "rollingUpdate")) {
                    errs.add(FieldError.invalid("spec.updateStrategy.rollingUpdate", strategy.get("rollingUpdate"),
                            "only allowed for updateStrategy 'RollingUpdate'"));
                }
            }
            case "RollingUpdate" -> {
                ObjectNode rollingUpdate = obj(strategy, "rollingUpdate");
                Checks.nonNegative(errs, rollingUpdate, "partition", "spec.updateStrategy.rollingUpdate.partition");
                if (rollingUpdate != null && has(rollingUpdate, "maxUnavailable")) {
                    JsonNode maxUnavailable = rollingUpdate.get("maxUnavailable");
                    Checks.intOrPercent(errs, maxUnavailable, "spec.updateStrategy.rollingUpdate.maxUnavailable");
                    if (Checks.intOrPercentValue(maxUnavailable) == 0) {
                        errs.add(FieldError.invalid("spec.updateStrategy.rollingUpdate.maxUnavailable", maxUnavailable, "must be greater than 0"));
                    }
                }
            }
            default -> errs.add(FieldError.invalid("spec.updateStrategy", str(strategy, "type"), "must be 'RollingUpdate' or 'OnDelete'"));
        }
        Checks.nonNegative(errs, spec, "revisionHistoryLimit", "spec.revisionHistoryLimit");
        Checks.nonNegative(errs, spec, "replicas", "spec.replicas");
        Checks.nonNegative(errs, spec, "minReadySeconds", "spec.minReadySeconds");
        ObjectNode retention = obj(spec, "persistentVolumeClaimRetentionPolicy");
        for (String field : List.of("whenDeleted", "whenScaled")) {
            Checks.optionalOneOf(errs, retention, field, "spec.persistentVolumeClaimRetentionPolicy." + field, List.of("Retain", "Delete"));
        }
        selector(errs, spec, "statefulset");
        // Claim templates provide volumes to the pods, so mounts may name them.
        Set<String> claims = new LinkedHashSet<>();
        List<ObjectNode> templates = objects(spec, "volumeClaimTemplates");
        for (int i = 0; i < templates.size(); i++) {
            ObjectNode claim = templates.get(i);
            String name = str(obj(claim, "metadata"), "name");
            claims.add(name);
            String p = "spec.volumeClaimTemplates[" + i + "]";
            if (name.isEmpty()) {
                errs.add(FieldError.required(p + ".metadata.name", ""));
            } else {
                Checks.each(errs, p + ".metadata.name", name, Names.dns1123Subdomain(name));
            }
            StorageValidation.claimSpec(errs, obj(claim, "spec"), p + ".spec");
        }
        podTemplate(errs, obj(spec, "template"), "spec.template", PodValidation.TEMPLATE_RESTART_POLICIES, claims);
        noActiveDeadline(errs, spec, "StatefulSet");
        String serviceName = str(spec, "serviceName");
        if (!serviceName.isEmpty()) {
            Checks.each(errs, "spec.serviceName", serviceName, Names.dns1035Label(serviceName));
        }
    }

    static void daemonSet(List<FieldError> errs, ObjectNode spec) {
        if (spec == null) {
            errs.add(FieldError.required("spec", ""));
            return;
        }
        selector(errs, spec, "daemonset");
        podTemplate(errs, obj(spec, "template"), "spec.template", PodValidation.TEMPLATE_RESTART_POLICIES, Set.of());
        noActiveDeadline(errs, spec, "DaemonSet");
        Checks.nonNegative(errs, spec, "minReadySeconds", "spec.minReadySeconds");
        ObjectNode strategy = obj(spec, "updateStrategy");
        String type = str(strategy, "type");
        switch (type) {
            case "OnDelete" -> { }
            case "RollingUpdate" -> {
                ObjectNode rollingUpdate = obj(strategy, "rollingUpdate");
                String p = "spec.updateStrategy.rollingUpdate";
                if (rollingUpdate == null) {
                    errs.add(FieldError.required(p, ""));
                    break;
                }
                JsonNode maxUnavailable = rollingUpdate.get("maxUnavailable");
                JsonNode maxSurge = rollingUpdate.get("maxSurge");
                Checks.intOrPercent(errs, maxUnavailable, p + ".maxUnavailable");
                Checks.intOrPercent(errs, maxSurge, p + ".maxSurge");
                Checks.notMoreThan100Percent(errs, maxUnavailable, p + ".maxUnavailable");
                Checks.notMoreThan100Percent(errs, maxSurge, p + ".maxSurge");
                boolean hasUnavailable = Checks.intOrPercentValue(maxUnavailable) != 0;
                boolean hasSurge = Checks.intOrPercentValue(maxSurge) != 0;
                if (hasUnavailable && hasSurge) {
                    errs.add(FieldError.invalid(p + ".maxSurge", maxSurge, "may not be set when maxUnavailable is non-zero"));
                } else if (!hasUnavailable && !hasSurge) {
                    errs.add(FieldError.required(p + ".maxUnavailable", "cannot be 0 when maxSurge is 0"));
                }
            }
            default -> errs.add(FieldError.notSupported("spec.updateStrategy", type, List.of("RollingUpdate", "OnDelete")));
        }
        Checks.nonNegative(errs, spec, "revisionHistoryLimit", "spec.revisionHistoryLimit");
    }

    /** The selector of a Job: required once the server generated it, and selecting the template. */
    static void job(List<FieldError> errs, ObjectNode job) {
        ObjectNode spec = obj(job, "spec");
        if (spec == null) {
            errs.add(FieldError.required("spec", ""));
            return;
        }
        ObjectNode selector = obj(spec, "selector");
        if (selector == null) {
            errs.add(FieldError.required("spec.selector", ""));
        } else {
            Checks.labelSelector(errs, selector, "spec.selector");
            ObjectNode templateLabels = obj(obj(obj(spec, "template"), "metadata"), "labels");
            if (!Checks.selects(selector, templateLabels)) {
                errs.add(FieldError.invalid("spec.template.metadata.labels", templateLabels, SELECTOR_MISMATCH));
            }
            String uid = str(obj(job, "metadata"), "uid");
            if (!Trees.bool(spec, "manualSelector") && !uid.isEmpty()
                    && !uid.equals(str(obj(selector, "matchLabels"), "batch.kubernetes.io/controller-uid"))) {
                errs.add(FieldError.invalid("spec.selector", selector, "`selector` not auto-generated"));
            }
        }
        jobSpec(errs, spec, "spec");
    }

    /** ValidateJobSpec without the selector, shared by Jobs and CronJob job templates. */
    private static void jobSpec(List<FieldError> errs, ObjectNode spec, String path) {
        for (String field : List.of("parallelism", "completions", "activeDeadlineSeconds", "backoffLimit", "ttlSecondsAfterFinished")) {
            Checks.nonNegative(errs, spec, field, path + "." + field);
        }
        if (has(spec, "completionMode")) {
            String mode = str(spec, "completionMode");
            if (!JOB_COMPLETION_MODES.contains(mode)) {
                errs.add(FieldError.notSupported(path + ".completionMode", mode, JOB_COMPLETION_MODES));
            } else if (mode.equals("Indexed") && !has(spec, "completions")) {
                errs.add(FieldError.required(path + ".completions", "when completion mode is Indexed"));
            }
        }
        ObjectNode template = obj(spec, "template");
        podTemplate(errs, template, path + ".template", PodValidation.JOB_RESTART_POLICIES, Set.of());
    }

    static void cronJob(List<FieldError> errs, ObjectNode cronJob) {
        String name = str(obj(cronJob, "metadata"), "name");
        // The controller appends an 11-character suffix to Job names, which must stay labels.
        if (name.length() > 52) {
            errs.add(FieldError.invalid("metadata.name", name, "must be no more than 52 characters"));
        }
        ObjectNode spec = obj(cronJob, "spec");
        if (spec == null) {
            errs.add(FieldError.required("spec", ""));
            return;
        }
        String schedule = str(spec, "schedule");
        if (schedule.isEmpty()) {
            errs.add(FieldError.required("spec.schedule", ""));
        } else {
            String problem = CronSchedule.problem(schedule);
            if (problem != null) {
                errs.add(FieldError.invalid("spec.schedule", schedule, problem));
            }
        }
        Checks.nonNegative(errs, spec, "startingDeadlineSeconds", "spec.startingDeadlineSeconds");
        Checks.oneOf(errs, spec, "concurrencyPolicy", "spec.concurrencyPolicy", CONCURRENCY_POLICIES);
        ObjectNode jobTemplate = obj(spec, "jobTemplate");
        ObjectNode jobSpec = obj(jobTemplate, "spec");
        if (jobSpec == null) {
            errs.add(FieldError.required("spec.jobTemplate.spec", ""));
        } else {
            if (Trees.bool(jobSpec, "manualSelector")) {
                errs.add(FieldError.notSupported("spec.jobTemplate.spec.manualSelector", true, List.of("nil", "false")));
            }
            jobSpec(errs, jobSpec, "spec.jobTemplate.spec");
        }
        Checks.nonNegative(errs, spec, "successfulJobsHistoryLimit", "spec.successfulJobsHistoryLimit");
        Checks.nonNegative(errs, spec, "failedJobsHistoryLimit", "spec.failedJobsHistoryLimit");
    }

    // --- updates ---

    /** Deployment, ReplicaSet and DaemonSet: the selector is fixed at creation. */
    static void selectorUpdate(List<FieldError> errs, ObjectNode spec, ObjectNode oldSpec) {
        Checks.immutable(errs, obj(spec, "selector"), obj(oldSpec, "selector"), "spec.selector");
    }

    private static final Set<String> STATEFULSET_MUTABLE = Set.of("replicas", "ordinals", "template", "updateStrategy",
            "persistentVolumeClaimRetentionPolicy", "minReadySeconds");

    static void statefulSetUpdate(List<FieldError> errs, ObjectNode spec, ObjectNode oldSpec) {
        if (spec == null || oldSpec == null) {
            return;
        }
        ObjectNode a = spec.deepCopy();
        ObjectNode b = oldSpec.deepCopy();
        a.remove(STATEFULSET_MUTABLE);
        b.remove(STATEFULSET_MUTABLE);
        if (!a.equals(b)) {
            errs.add(FieldError.forbidden("spec", "updates to statefulset spec for fields other than 'replicas', 'ordinals', "
                    + "'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"));
        }
    }

    static void jobUpdate(List<FieldError> errs, ObjectNode spec, ObjectNode oldSpec) {
        Checks.immutable(errs, obj(spec, "selector"), obj(oldSpec, "selector"), "spec.selector");
        Checks.immutable(errs, obj(spec, "template"), obj(oldSpec, "template"), "spec.template");
        Checks.immutable(errs, spec == null ? null : spec.get("completionMode"), oldSpec == null ? null : oldSpec.get("completionMode"),
                "spec.completionMode");
        Checks.immutable(errs, obj(spec, "podFailurePolicy"), obj(oldSpec, "podFailurePolicy"), "spec.podFailurePolicy");
        // Indexed Jobs may be resized (elastic indexed jobs); other Jobs keep their completions.
        if (!str(spec, "completionMode").equals("Indexed")) {
            Checks.immutable(errs, spec == null ? null : spec.get("completions"), oldSpec == null ? null : oldSpec.get("completions"),
                    "spec.completions");
        }
    }
}
