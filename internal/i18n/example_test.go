package i18n_test

import (
	"fmt"

	"github.com/rescuegrid/rescuegrid/internal/i18n"
)

func ExampleLang_T() {
	for _, l := range i18n.Languages() {
		fmt.Println(l, l.T("term.rescue_circle", "minutes", 15), l.T("term.shelter"))
	}
	// Output:
	// en 15-minute emergency rescue circle emergency shelter
	// zh-CN 15分钟应急救援圈 应急避难场所
}
