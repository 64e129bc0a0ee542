package gen

import (
	"go/ast"
	"go/token"
	"strings"
	"testing"
	"time"
)

func TestParseDirective(t *testing.T) {
	tests := []struct {
		text string
		want func(t *testing.T, d *Directive)
	}{
		{"//resil:breaker threshold=3 window=90s scope=method if=isBad", func(t *testing.T, d *Directive) {
			if d.Name != "breaker" || d.Opts["threshold"].Int != 3 || d.Opts["window"].Dur != 90*time.Second ||
				d.Opts["scope"].Raw != "method" || d.Opts["if"].Raw != "isBad" {
				t.Errorf("got %+v", d)
			}
		}},
		{"//resil:timeout 2s", func(t *testing.T, d *Directive) {
			if d.Opts["d"].Dur != 2*time.Second {
				t.Errorf("positional timeout: got %+v", d.Opts)
			}
		}},
		{"//resil:timeout d=250ms", func(t *testing.T, d *Directive) {
			if d.Opts["d"].Dur != 250*time.Millisecond {
				t.Errorf("d= timeout: got %+v", d.Opts)
			}
		}},
		{"//resil:retry unsafe\tattempts=2", func(t *testing.T, d *Directive) {
			if !d.Opts["unsafe"].Bool || d.Opts["attempts"].Int != 2 {
				t.Errorf("bare bool: got %+v", d.Opts)
			}
		}},
		{"//resil:retry unsafe=false", func(t *testing.T, d *Directive) {
			if v, ok := d.Opts["unsafe"]; !ok || v.Bool {
				t.Errorf("unsafe=false: got %+v", d.Opts)
			}
		}},
		{"//resil:skip Close GetLogs", func(t *testing.T, d *Directive) {
			if len(d.Names) != 2 || d.Names[1].Text != "GetLogs" || d.Names[1].Pos != 1+token.Pos(len("//resil:skip Close ")) {
				t.Errorf("skip names: got %+v", d.Names)
			}
		}},
		{"//resil:idempotent key=req.Customer.ID ttl=1h lease=5s", func(t *testing.T, d *Directive) {
			if d.Opts["key"].Raw != "req.Customer.ID" || d.Opts["ttl"].Dur != time.Hour || d.Opts["lease"].Dur != 5*time.Second {
				t.Errorf("got %+v", d.Opts)
			}
		}},
		{"//resil:bulkhead max=3 wait=0", func(t *testing.T, d *Directive) {
			if d.Opts["max"].Int != 3 || d.Opts["wait"].Dur != 0 {
				t.Errorf("got %+v", d.Opts)
			}
		}},
		{"//resil:checkpoint step=open-incident", func(t *testing.T, d *Directive) {
			if d.Opts["step"].Raw != "open-incident" {
				t.Errorf("got %+v", d.Opts)
			}
		}},
		{"//resil:omit ResultMetadata Raw", func(t *testing.T, d *Directive) {
			if len(d.Names) != 2 || d.Names[0].Text != "ResultMetadata" || d.Names[1].Pos != 1+token.Pos(len("//resil:omit ResultMetadata ")) {
				t.Errorf("omit names: got %+v", d.Names)
			}
		}},
		{"//resil:readonly", func(t *testing.T, d *Directive) {
			if d.Name != "readonly" || len(d.Opts) != 0 {
				t.Errorf("got %+v", d)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			d, err := ParseDirective(tt.text, 1)
			if err != nil {
				t.Fatal(err)
			}
			tt.want(t, d)
		})
	}
}

func TestParseDirectiveErrors(t *testing.T) {
	tests := []struct {
		text string
		col  int // 1-based column of the error
		msg  string
	}{
		{"//resil:", 9, "missing directive name"},
		{"//resil: breaker", 9, "missing directive name"},
		{"//resil:breakr", 9, `did you mean "breaker"?`},
		{"//resil:retry attemps=3", 15, `did you mean "attempts"?`},
		{"//resil:retry attempts=x", 24, "want an integer"},
		{"//resil:retry attempts=-1", 24, "want a positive integer"},
		{"//resil:retry base=fast", 20, "want a Go duration"},
		{"//resil:retry jitter=ful", 22, `did you mean "full"?`},
		{"//resil:retry unsafe=maybe", 22, "want true or false"},
		{"//resil:retry if=is-bad", 18, "want the name of a function"},
		{"//resil:retry attempts=", 24, "has no value"},
		{"//resil:retry =3", 15, "missing option name"},
		{"//resil:retry attempts=2 attempts=3", 26, "given twice"},
		{"//resil:readonly now", 18, "takes no options"},
		{"//resil:breaker threshold", 17, "option threshold has no value; write threshold=VALUE"},
		{"//resil:breaker thresold", 17, "options are written name=value (did you mean \"threshold\"?)"},
		{"//resil:idempotent key=req..ID", 24, "field path"},
		{"//resil:skip 1abc", 14, "not a method name"},
		{"//resil:timeout 0s", 17, "positive duration"},
		{"//resil:omit", 1, "//resil:omit needs the names of the fields"},
		{"//resil:omit Out.ResultMetadata", 14, `omit: "Out.ResultMetadata" is not a field name`},
		{"//resil:omit ResultMetadata=1", 14, "omit takes no options"},
		{`//resil:checkpoint step="x"`, 25, "plain step name"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			_, err := ParseDirective(tt.text, 1)
			if err == nil {
				t.Fatal("no error")
			}
			e := err.(*Error)
			if col := int(e.Pos); col != tt.col || !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("got col %d %q; want col %d containing %q", col, e.Msg, tt.col, tt.msg)
			}
		})
	}
}

func TestParseDocRefusesDuplicates(t *testing.T) {
	doc := &ast.CommentGroup{List: []*ast.Comment{
		{Slash: 10, Text: "// Charge charges."},
		{Slash: 40, Text: "//resil:retry unsafe"},
		{Slash: 70, Text: "//resil:retry attempts=2"},
		{Slash: 99, Text: "//resil:nope"},
	}}
	dirs, errs := ParseDoc(doc)
	if len(dirs) != 1 || dirs[0].Name != "retry" {
		t.Errorf("dirs = %v", dirs)
	}
	if len(errs) != 2 || errs[0].Pos != 70 || !strings.Contains(errs[0].Msg, "duplicate") || errs[1].Pos != 99+8 {
		t.Errorf("errs = %v", errs)
	}
}

func TestDidYouMean(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"retyr", "retry"}, {"brekaer", "breaker"}, {"zzzzzz", ""}, {"TTL", "ttl"},
	} {
		got := didYouMean(tt.in, sortedKeys(directiveSpecs)) + didYouMean(tt.in, []string{"ttl"})
		if tt.want == "" && got != "" || tt.want != "" && !strings.Contains(got, `"`+tt.want+`"`) {
			t.Errorf("didYouMean(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzParseDirective checks that the parser never panics and that every
// input either parses or yields an error positioned inside the input.
func FuzzParseDirective(f *testing.F) {
	for _, seed := range []string{
		"//resil:breaker threshold=5 window=2m timeout=60s halfopen=2 scope=interface",
		"//resil:retry attempts=3 base=100ms max=10s jitter=decorrelated if=isTransient unsafe",
		"//resil:idempotent key=req.Customer.ID ttl=24h lease=30s",
		"//resil:timeout 2s",
		"//resil:timeout d=2s",
		"//resil:bulkhead max=10 wait=0",
		"//resil:checkpoint step=Name",
		"//resil:skip Close GetLogs",
		"//resil:readonly",
		"//resil:",
		"//resil:retry ==",
		"//resil:retry attempts=99999999999999999999",
		"//resil:\x00\t=",
		"//resil:timeout \xff",
		"//resil:skip a\nb",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		if !strings.HasPrefix(text, directivePrefix) {
			text = directivePrefix + text
		}
		const base = 1000
		d, err := ParseDirective(text, base)
		if err != nil {
			e, ok := err.(*Error)
			if !ok {
				t.Fatalf("error of type %T", err)
			}
			if e.Pos < base || e.Pos > base+token.Pos(len(text)) || e.Msg == "" {
				t.Fatalf("error %q at %d, outside [%d, %d]", e.Msg, e.Pos, base, base+len(text))
			}
			return
		}
		if d == nil || directiveSpecs[d.Name].options == nil {
			t.Fatalf("parsed into %+v", d)
		}
		for name, v := range d.Opts {
			if _, ok := directiveSpecs[d.Name].options[name]; !ok {
				t.Fatalf("option %s is not in the grammar of %s", name, d.Name)
			}
			if v.Pos < base || v.Pos > base+token.Pos(len(text)) {
				t.Fatalf("option %s at %d, outside the input", name, v.Pos)
			}
		}
	})
}
