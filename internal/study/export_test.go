package study

// CellBatchRows lets the tests write the cells table in small batches.
var CellBatchRows = &cellBatchRows
