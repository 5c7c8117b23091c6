package run

// ResultJSON is the shape of a results entry, whose fields the tests
// check action.yml names; no door uses the type.
type ResultJSON = resultJSON
