package bad

// Number is a constraint, not an interface a value can have.
//
//resil:breaker
type Number interface {
	~int | ~float64
	String() (string, error)
}
