package gen

import (
	"go/ast"
	"go/types"
	"sort"
	"strings"
)

// checkPlacement refuses //resil: lines that Go attaches to something no
// directive applies to, which would otherwise be silently ignored: the
// comments of an embedded interface's line (a directive there reads as if
// it applied to the embedded methods, but nothing reads it), and a
// directive written after a method on its own line.
func (c *checker) checkPlacement(in *Interface) {
	for _, f := range in.Type.Methods.List {
		if len(f.Names) > 0 {
			for _, d := range directiveLines(f.Comment) {
				c.errorf(d.Slash, "%s.%s: a //resil:%s after the method on its line applies to nothing; move it to its own line above the method", in.Name, f.Names[0].Name, directiveName(d))
			}
			continue
		}
		lines := append(directiveLines(f.Doc), directiveLines(f.Comment)...)
		if len(lines) == 0 {
			continue
		}
		emb := types.ExprString(f.Type)
		skip := "//resil:skip NAME"
		if tv, ok := c.pkg.TypesInfo.Types[f.Type]; ok {
			if it, ok := tv.Type.Underlying().(*types.Interface); ok && it.NumMethods() > 0 {
				names := make([]string, it.NumMethods())
				for i := range names {
					names[i] = it.Method(i).Name()
				}
				sort.Strings(names)
				skip = "//resil:skip " + strings.Join(names, " ")
			}
		}
		for _, d := range lines {
			c.errorf(d.Slash, "%s: //resil:%s on the embedded %s applies to nothing; put the directive on %s (it then applies to the methods of %s too), or write %s on %s to pass them through", in.Name, directiveName(d), emb, in.Name, emb, skip, in.Name)
		}
	}
}

// directiveLines returns the //resil: lines of a comment group.
func directiveLines(g *ast.CommentGroup) []*ast.Comment {
	if g == nil {
		return nil
	}
	var out []*ast.Comment
	for _, c := range g.List {
		if strings.HasPrefix(c.Text, directivePrefix) {
			out = append(out, c)
		}
	}
	return out
}

// directiveName is the name a //resil: line starts with, as written.
func directiveName(c *ast.Comment) string {
	name, _, _ := strings.Cut(strings.TrimPrefix(c.Text, directivePrefix), " ")
	return name
}
