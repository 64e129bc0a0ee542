package main

import (
	"sync/atomic"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

// newFakeCluster returns client-go's fake clientset holding three pods of
// app web in namespace ns: web-1 OOM-killed with a 256Mi limit, web-2 in
// CrashLoopBackOff, web-3 running. Its API server answers the first List
// of pods with 503 Service Unavailable.
func newFakeCluster(ns string) *fake.Clientset {
	cs := fake.NewClientset(
		pod(ns, "web-1", corev1.ContainerStatus{
			Name:                 "app",
			RestartCount:         4,
			State:                corev1.ContainerState{Running: &corev1.ContainerStateRunning{}},
			LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "OOMKilled", ExitCode: 137}},
		}),
		pod(ns, "web-2", corev1.ContainerStatus{
			Name:         "app",
			RestartCount: 7,
			State:        corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}},
		}),
		pod(ns, "web-3", corev1.ContainerStatus{
			Name:  "app",
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}},
		}),
	)
	var lists atomic.Int32
	cs.PrependReactor("list", "pods", func(k8stesting.Action) (bool, k8sruntime.Object, error) {
		if lists.Add(1) == 1 {
			return true, nil, apierrors.NewServiceUnavailable("etcd leader election in progress")
		}
		return false, nil, nil // on to the object tracker
	})
	return cs
}

// pod is a pod of app web with one container "app" limited to 256Mi.
func pod(ns, name string, status corev1.ContainerStatus) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name:  "app",
			Image: "registry.example.com/web:1.42",
			Resources: corev1.ResourceRequirements{
				Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("256Mi")},
			},
		}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{status}},
	}
}
