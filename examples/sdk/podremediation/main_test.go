package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	k8stesting "k8s.io/client-go/testing"
)

// TestRemediate runs the agent on the fake clientset and checks what the
// API server received: the List that failed with 503 was retried; each
// alert, sent twice, patched or deleted once; the pod has its new limit.
func TestRemediate(t *testing.T) {
	cs := newFakeCluster("shop")
	var out bytes.Buffer
	if err := remediateAll(context.Background(), cs, "shop", "app=web", "512Mi", &out); err != nil {
		t.Fatalf("%v\n%s", err, &out)
	}
	t.Logf("agent's output:\n%s", &out)

	got := map[string]int{}
	for _, a := range cs.Actions() {
		verb := a.GetVerb()
		if a.GetSubresource() != "" {
			verb += "/" + a.GetSubresource()
		}
		got[verb]++
		if a.GetNamespace() != "shop" {
			t.Errorf("%s went to namespace %q", verb, a.GetNamespace())
		}
		if p, ok := a.(k8stesting.PatchAction); ok {
			if p.GetPatchType() != types.StrategicMergePatchType || !strings.Contains(string(p.GetPatch()), `"memory":"512Mi"`) {
				t.Errorf("patch %s %s, want a strategic merge setting memory to 512Mi", p.GetPatchType(), p.GetPatch())
			}
		}
	}
	// Reads are never cached: both OOMKilled alerts read the pod.
	want := map[string]int{"list": 2, "get": 2, "patch/resize": 1, "delete": 1}
	for verb, n := range want {
		if got[verb] != n {
			t.Errorf("%d %s requests, want %d (all: %v)", got[verb], verb, n, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("requests %v, want %v", got, want)
	}
	for _, line := range []string{
		"retry: Pods.List attempt 1 failed:",
		"memory limit of web-1/app: 256Mi -> 512Mi",
		"Pods.Patch answered from its idempotency record: no request",
		"restarted web-2",
		"Pods.Delete answered from its idempotency record: no request",
	} {
		if !strings.Contains(out.String(), line) {
			t.Errorf("no %q in the output", line)
		}
	}
	if strings.Contains(out.String(), "web-3") {
		t.Errorf("the running pod web-3 was acted on")
	}

	ctx := context.Background()
	web1, err := cs.CoreV1().Pods("shop").Get(ctx, "web-1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if q := web1.Spec.Containers[0].Resources.Limits[corev1.ResourceMemory]; q.Cmp(resource.MustParse("512Mi")) != 0 {
		t.Errorf("web-1's memory limit is %s, want 512Mi", q.String())
	}
	if _, err := cs.CoreV1().Pods("shop").Get(ctx, "web-2", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("web-2 after its restart: %v, want it deleted", err)
	}
}

// TestRefusalsAreNotRetried checks the retry predicate on the API server's
// own errors: a pod that is not found is answered at once, with the typed
// error client-go callers test for.
func TestRefusalsAreNotRetried(t *testing.T) {
	cs := newFakeCluster("shop")
	pods := NewResilientPods(cs.CoreV1().Pods("shop"))
	_, err := pods.Get(context.Background(), "web-9", metav1.GetOptions{ResourceVersion: "0"})
	if !apierrors.IsNotFound(err) {
		t.Fatalf("Get of a missing pod: %v, want NotFound", err)
	}
	if n := len(cs.Actions()); n != 1 {
		t.Errorf("%d requests for a missing pod, want 1: NotFound is not retried", n)
	}
	if g, ok := cs.Actions()[0].(k8stesting.GetActionImpl); !ok || g.GetOptions.ResourceVersion != "0" {
		t.Errorf("the request %+v did not carry the caller's GetOptions", cs.Actions()[0])
	}
}

// TestRetryable checks the predicates the directives name.
func TestRetryable(t *testing.T) {
	for _, c := range []struct {
		err          error
		retry, fault bool
	}{
		{apierrors.NewServiceUnavailable("down"), true, true},
		{apierrors.NewInternalError(errors.New("boom")), true, true},
		{apierrors.NewTooManyRequests("slow down", 1), true, false},
		{apierrors.NewNotFound(corev1.Resource("pods"), "web-9"), false, false},
		{apierrors.NewConflict(corev1.Resource("pods"), "web-1", errors.New("changed")), false, false},
	} {
		if got := retryable(c.err); got != c.retry {
			t.Errorf("retryable(%v) = %v, want %v", c.err, got, c.retry)
		}
		if got := serverFault(c.err); got != c.fault {
			t.Errorf("serverFault(%v) = %v, want %v", c.err, got, c.fault)
		}
	}
}

// TestRun runs the program on the fake clientset.
func TestRun(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-namespace=qa"}, "", &out); err != nil {
		t.Fatalf("%v\n%s", err, &out)
	}
	if want := "2 alerts in qa; Alertmanager sends each twice"; !strings.Contains(out.String(), want) {
		t.Errorf("no %q in\n%s", want, &out)
	}
}
