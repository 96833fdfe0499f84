package schemas

// NewWithDocuments is New with the given documents in place of the embedded ones of the same
// name. Only tests use it.
func NewWithDocuments(docs map[string][]byte) (*Validator, error) {
	m, err := loadModelWith(docs)
	if err != nil {
		return nil, err
	}
	return newValidator(m)
}

// ValidateFull is Validate without the fast path. Only tests use it.
func (v *Validator) ValidateFull(kind Kind, doc []byte) (Result, error) {
	return v.validateFull(kind, doc)
}

// ValidateFast is the fast path alone; ok is false when it leaves the document to the full path.
// Only tests use it.
func (v *Validator) ValidateFast(kind Kind, doc []byte) (res Result, ok bool) {
	return v.validateFast(kind, doc)
}
