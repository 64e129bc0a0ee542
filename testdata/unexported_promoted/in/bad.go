package bad

import (
	"context"
	"go/ast"
)

// Bad embeds ast.Expr, whose exprNode is unexported in go/ast.
//
//resil:breaker
type Bad interface {
	ast.Expr
	Get(ctx context.Context) error
}
