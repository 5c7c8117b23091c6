package wfcmd

// Delimiter is delimiter, for the external tests.
var Delimiter = delimiter
