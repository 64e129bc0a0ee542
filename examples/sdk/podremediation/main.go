// Command podremediation is a pod auto-remediation agent on client-go: it
// lists the crash-looping pods of a namespace, and handles the alerts about
// them, raising the memory limit of an OOM-killed pod in place (the pod's
// "resize" subresource) and restarting a pod that crashes otherwise. The
// alerts arrive twice, as Alertmanager re-sends them; the repeated ones are
// answered from their idempotency records, so nothing is patched or
// deleted twice.
//
//	go run ./podremediation                   on client-go's fake clientset
//	KUBECONFIG=~/.kube/config go run ./podremediation -namespace=shop
//
// Without KUBECONFIG the cluster is client-go's fake clientset, seeded with
// three pods, whose API server answers the first List with 503 Service
// Unavailable (retried).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/resilgen/resilgen/runtime"
)

func main() {
	err := run(context.Background(), os.Args[1:], os.Getenv("KUBECONFIG"), os.Stdout)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "podremediation:", err)
		os.Exit(1)
	}
}

// run remediates the namespace the flags name, on the cluster kubeconfig
// names or, when it is empty, on a fake one.
func run(ctx context.Context, args []string, kubeconfig string, out io.Writer) error {
	fs := flag.NewFlagSet("podremediation", flag.ContinueOnError)
	fs.SetOutput(out)
	ns := fs.String("namespace", "shop", "the namespace whose pods to remediate")
	selector := fs.String("selector", "app=web", "the label selector of the pods to look at")
	memory := fs.String("memory", "512Mi", "the memory limit to give an OOM-killed pod")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var cs kubernetes.Interface
	if kubeconfig != "" {
		cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
		if err != nil {
			return fmt.Errorf("reading KUBECONFIG: %w", err)
		}
		if cs, err = kubernetes.NewForConfig(cfg); err != nil {
			return err
		}
		fmt.Fprintf(out, "cluster: %s\n", cfg.Host)
	} else {
		cs = newFakeCluster(*ns)
		fmt.Fprintf(out, "cluster: client-go's fake clientset (set KUBECONFIG for a real one)\n")
	}
	return remediateAll(ctx, cs, *ns, *selector, *memory, out)
}

// remediateAll finds the alerts of the pods in namespace ns that selector
// selects, and handles each twice, as a re-sent alert would be.
func remediateAll(ctx context.Context, cs kubernetes.Interface, ns, selector, memory string, out io.Writer) error {
	pods := NewResilientPods(cs.CoreV1().Pods(ns), runtime.WithObserver(eventPrinter{out}))
	alerts, err := findAlerts(ctx, pods, selector, memory)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%d alerts in %s; Alertmanager sends each twice\n", len(alerts), ns)
	for _, al := range append(alerts, alerts...) {
		if err := remediate(ctx, pods, al, out); err != nil {
			fmt.Fprintf(out, "  %s: %v\n", al.Pod, err)
		}
	}
	return nil
}

// Alert is what the agent is asked to act on: a pod that keeps dying, why,
// and, for an OOM-killed one, the absolute memory limit to give it.
type Alert struct {
	Pod, Reason, Memory string
}

// findAlerts lists the pods selector selects and returns an alert for each
// whose container last died of OOM or is in CrashLoopBackOff.
func findAlerts(ctx context.Context, pods Pods, selector, memory string) ([]Alert, error) {
	list, err := pods.List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return nil, fmt.Errorf("listing pods %s: %w", selector, err)
	}
	var alerts []Alert
	for _, p := range list.Items {
		for _, st := range p.Status.ContainerStatuses {
			switch {
			case st.LastTerminationState.Terminated != nil && st.LastTerminationState.Terminated.Reason == "OOMKilled":
				alerts = append(alerts, Alert{Pod: p.Name, Reason: "OOMKilled", Memory: memory})
			case st.State.Waiting != nil && st.State.Waiting.Reason == "CrashLoopBackOff":
				alerts = append(alerts, Alert{Pod: p.Name, Reason: "CrashLoopBackOff"})
			default:
				continue
			}
			break
		}
	}
	return alerts, nil
}

// remediate handles one alert.
func remediate(ctx context.Context, pods Pods, al Alert, out io.Writer) error {
	fmt.Fprintf(out, "alert %s %s\n", al.Reason, al.Pod)
	switch al.Reason {
	case "OOMKilled":
		pod, err := pods.Get(ctx, al.Pod, metav1.GetOptions{})
		if err != nil {
			return fmt.Errorf("reading the pod: %w", err)
		}
		if len(pod.Spec.Containers) == 0 {
			return fmt.Errorf("pod has no container")
		}
		c := pod.Spec.Containers[0]
		patch := fmt.Sprintf(`{"spec":{"containers":[{"name":%q,"resources":{"limits":{"memory":%q}}}]}}`, c.Name, al.Memory)
		resized, err := pods.Patch(ctx, al.Pod, types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{FieldManager: "podremediation"}, "resize")
		if err != nil {
			return fmt.Errorf("resizing: %w", err)
		}
		fmt.Fprintf(out, "  memory limit of %s/%s: %s -> %s\n", al.Pod, c.Name, limit(c), limit(resized.Spec.Containers[0]))
	case "CrashLoopBackOff":
		grace := int64(30)
		err := pods.Delete(ctx, al.Pod, metav1.DeleteOptions{GracePeriodSeconds: &grace})
		if apierrors.IsNotFound(err) {
			fmt.Fprintf(out, "  %s is gone already\n", al.Pod)
			return nil
		}
		if err != nil {
			return fmt.Errorf("restarting: %w", err)
		}
		fmt.Fprintf(out, "  restarted %s: its controller recreates it\n", al.Pod)
	default:
		return fmt.Errorf("no remediation for %q", al.Reason)
	}
	return nil
}

// limit is the container's memory limit, or "none".
func limit(c corev1.Container) string {
	if q, ok := c.Resources.Limits[corev1.ResourceMemory]; ok {
		return q.String()
	}
	return "none"
}

// eventPrinter prints the retries, breaker changes and idempotent hits.
type eventPrinter struct{ out io.Writer }

// Observe implements runtime.Observer.
func (p eventPrinter) Observe(ctx context.Context, e runtime.Event) {
	switch e.Kind {
	case runtime.EventRetry:
		fmt.Fprintf(p.out, "    retry: %s.%s attempt %d failed: %v\n", e.Interface, e.Method, e.Attempt, firstLine(e.Err))
	case runtime.EventIdempotentHit:
		fmt.Fprintf(p.out, "    %s.%s answered from its idempotency record: no request\n", e.Interface, e.Method)
	case runtime.EventStateChange:
		fmt.Fprintf(p.out, "    breaker %s: %v -> %v\n", e.Breaker, e.From, e.To)
	}
}

// firstLine is err's message up to its first newline.
func firstLine(err error) string {
	s, _, _ := strings.Cut(fmt.Sprint(err), "\n")
	return s
}
