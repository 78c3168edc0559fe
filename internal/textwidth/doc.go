// Package textwidth measures, pads and trims text by the terminal columns it
// takes, where an East Asian wide character (Chinese, full-width
// punctuation) takes two: the printed summary's tables and the progress
// lines in Chinese line up with it. It knows nothing of languages beyond
// the width of a character.
package textwidth
