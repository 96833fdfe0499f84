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
