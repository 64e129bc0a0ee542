package gen

import (
	"go/token"
	"path/filepath"
	"testing"

	"golang.org/x/tools/go/packages"
)

// caseByName returns the loaded package of testdata/<name>.
func caseByName(t *testing.T, name string) *packages.Package {
	t.Helper()
	_, pkgs := loadCases(t)
	pkg := pkgs[filepath.Join(repoRoot(t), "testdata", name)]
	if pkg == nil {
		t.Fatalf("case %s not loaded", name)
	}
	return pkg
}

func TestFindInterfaces(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		types []string
		want  []string
	}{
		{"multi_iface", nil, []string{"First", "Second", "Third"}},
		{"typeflag", []string{"A"}, []string{"A"}},
		{"passthrough", nil, []string{"Mixed"}}, // annotated on a method only
		{"embedded_same", nil, []string{"Reader", "Store"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ifaces, errs := FindInterfaces(caseByName(t, tt.name), tt.types)
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			var got []string
			for _, in := range ifaces {
				got = append(got, in.Name)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("found %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("found %v, want %v", got, tt.want)
				}
			}
		})
	}
}

func TestFindInterfacesIgnoresStaleOutputAndOutsideTypeErrors(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"stale_output", "type_errors_elsewhere"} {
		pkg := caseByName(t, name)
		if len(pkg.Errors) == 0 {
			t.Errorf("%s: the load saw no error; the case tests nothing", name)
		}
		if ifaces, errs := FindInterfaces(pkg, nil); len(errs) > 0 || len(ifaces) != 1 {
			t.Errorf("%s: %d interfaces, errors %v; want 1 and none", name, len(ifaces), errs)
		}
	}
}

func TestParsePosition(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want token.Position
	}{
		{"a/b.go:3:4", token.Position{Filename: "a/b.go", Line: 3, Column: 4}},
		{"a/b.go:3", token.Position{Filename: "a/b.go", Line: 3}},
		{"a/b.go", token.Position{Filename: "a/b.go", Line: 1}},
		{"C:/x.go:1:2", token.Position{Filename: "C:/x.go", Line: 1, Column: 2}},
	} {
		if got := parsePosition(tt.in); got != tt.want {
			t.Errorf("parsePosition(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}
