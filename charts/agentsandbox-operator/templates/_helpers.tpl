{{/* Names, labels and the checks values.schema.json cannot express. */}}

{{- define "agentsandbox-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "agentsandbox-operator.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "agentsandbox-operator.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/part-of: agentsandbox
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "agentsandbox-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "agentsandbox-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end -}}

{{/* The operator's pods as agentsandbox.operator.pod-selector spells them: its selector labels, key=value,… */}}
{{- define "agentsandbox-operator.podSelector" -}}
{{- $entries := list -}}
{{- range $key, $value := include "agentsandbox-operator.selectorLabels" . | fromYaml -}}
{{- $entries = append $entries (printf "%s=%s" $key $value) -}}
{{- end -}}
{{- join "," $entries -}}
{{- end -}}

{{- define "agentsandbox-operator.serviceAccountName" -}}
{{- default (include "agentsandbox-operator.fullname" .) .Values.serviceAccount.name -}}
{{- end -}}

{{- define "agentsandbox-operator.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "agentsandbox-operator.sidecarImage" -}}
{{- printf "%s:%s" .Values.sidecar.image.repository (default .Chart.AppVersion .Values.sidecar.image.tag) -}}
{{- end -}}

{{/* Every (Cluster)RoleBinding grants to the operator's ServiceAccount only. */}}
{{- define "agentsandbox-operator.operatorSubjects" -}}
subjects:
  - kind: ServiceAccount
    name: {{ include "agentsandbox-operator.serviceAccountName" . }}
    namespace: {{ .Release.Namespace }}
{{- end -}}

{{- define "agentsandbox-operator.leaseName" -}}
{{- default (printf "%s-leader" (include "agentsandbox-operator.fullname" .)) .Values.leaderElection.leaseName -}}
{{- end -}}

{{/* Empty watchNamespaces: every namespace, which JOSDK spells JOSDK_ALL_NAMESPACES. */}}
{{- define "agentsandbox-operator.watchedNamespaces" -}}
{{- if .Values.operator.watchNamespaces -}}
{{- join "," .Values.operator.watchNamespaces -}}
{{- else -}}
JOSDK_ALL_NAMESPACES
{{- end -}}
{{- end -}}

{{- define "agentsandbox-operator.modelRunnerLabels" -}}
app.kubernetes.io/name: docker-model-runner
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: model-runner
{{- end -}}

{{/*
The rules the operator needs in every namespace it watches: one list, used by the ClusterRole (all namespaces)
or by a Role per watched namespace. Secrets are read-only: the operator checks that a credential's Secret and key
exist and mounts it into the proxy container; it never creates or changes one. Pods are deleted to replace them
(a changed pod spec) and when the sandbox pauses. Services are not here: see the -references ClusterRole.
*/}}
{{- define "agentsandbox-operator.namespacedRules" -}}
# delete: an expired sandbox with shutdownPolicy Delete is deleted by the operator.
- apiGroups: ["agentsandbox.dev"]
  resources: ["agentsandboxes"]
  verbs: ["get", "list", "watch", "patch", "update", "delete"]
- apiGroups: ["agentsandbox.dev"]
  resources: ["agentsandboxes/status", "agentsandboxes/finalizers"]
  verbs: ["get", "patch", "update"]
# Pools: the operator keeps their warm pods and writes their status; templates are only read.
- apiGroups: ["agentsandbox.dev"]
  resources: ["agentsandboxpools"]
  verbs: ["get", "list", "watch", "patch", "update"]
- apiGroups: ["agentsandbox.dev"]
  resources: ["agentsandboxpools/status", "agentsandboxpools/finalizers"]
  verbs: ["get", "patch", "update"]
- apiGroups: ["agentsandbox.dev"]
  resources: ["agentsandboxtemplates"]
  verbs: ["get", "list", "watch"]
- apiGroups: [""]
  resources: ["pods", "configmaps", "persistentvolumeclaims"]
  verbs: ["create", "get", "list", "watch", "patch", "update", "delete"]
- apiGroups: ["networking.k8s.io"]
  resources: ["networkpolicies"]
  verbs: ["create", "get", "list", "watch", "patch", "update", "delete"]
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get", "list", "watch"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create", "patch"]
# The agent container's CPU use, for spec.lifecycle.idleCpuThreshold (where metrics-server serves metrics.k8s.io):
# one list of the operator's pods per namespace per status refresh.
- apiGroups: ["metrics.k8s.io"]
  resources: ["pods"]
  verbs: ["list"]
{{- end -}}

{{/* Cross-field checks: a clear failure at install time beats an operator that refuses every sandbox. */}}
{{- define "agentsandbox-operator.validate" -}}
{{- $trust := .Values.operator.upstreamTrust -}}
{{- if and $trust.pem $trust.configMap.name -}}
{{- fail "operator.upstreamTrust: give either pem or configMap.name, not both" -}}
{{- end -}}
{{- $runtime := .Values.operator.runtime -}}
{{- if not (has $runtime.defaultClass $runtime.allowedClasses) -}}
{{- fail (printf "operator.runtime.defaultClass %q is not in operator.runtime.allowedClasses %v: add it to the list or pick one of the list" $runtime.defaultClass $runtime.allowedClasses) -}}
{{- end -}}
{{- if and .Values.modelRunner.enabled (not .Values.operator.modelRunner.namespace) (ne .Values.modelRunner.serviceName .Values.operator.modelRunner.service) -}}
{{- fail (printf "modelRunner.serviceName %q differs from operator.modelRunner.service %q: sandboxes would not find the in-cluster Model Runner by default; make them equal" .Values.modelRunner.serviceName .Values.operator.modelRunner.service) -}}
{{- end -}}
{{- end -}}

{{/*
The ConfigMap holding the sandboxes' extra upstream trust (operator.upstreamTrust), and its key; empty without one.
*/}}
{{- define "agentsandbox-operator.upstreamTrustConfigMap" -}}
{{- if .Values.operator.upstreamTrust.pem -}}
{{- printf "%s-upstream-trust" (include "agentsandbox-operator.fullname" .) -}}
{{- else -}}
{{- .Values.operator.upstreamTrust.configMap.name -}}
{{- end -}}
{{- end -}}

{{- define "agentsandbox-operator.upstreamTrustKey" -}}
{{- if .Values.operator.upstreamTrust.pem -}}ca.crt{{- else -}}{{ .Values.operator.upstreamTrust.configMap.key }}{{- end -}}
{{- end -}}
