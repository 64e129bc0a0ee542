package main

import (
	"io"
	"os"
	"testing"
)

// TestQuickstart runs the README's quickstart program and checks what it
// prints: the 503 was retried and the repeated charge was answered from the
// idempotency record, so the provider charged once.
func TestQuickstart(t *testing.T) {
	// main prints to os.Stdout, as the README shows it; catch it in a pipe.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout := os.Stdout
	os.Stdout = w
	defer func() { os.Stdout = stdout }()
	done := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(r)
		done <- b
	}()
	main()
	w.Close()
	got := string(<-done)

	want := "receipt ch_order-1042 for 4999 cents\n" +
		"receipt ch_order-1042 for 4999 cents\n" +
		"provider: 2 requests, 1 charge\n"
	if got != want {
		t.Errorf("quickstart printed\n%s\nwant\n%s", got, want)
	}
}
