package lint

import (
	"fmt"
	"strings"
)

func checkTruncated(x *ctx) {
	for _, o := range x.Objects {
		for _, p := range o.Props() {
			if !p.Truncated {
				continue
			}
			x.emit(hit{obj: o, prop: p.Name, incomplete: true,
				msg: fmt.Sprintf("%s shows only its first %d items: the export was cut by $FormatEnumerationLimit, so checks of this list are incomplete", p.Name, len(p.Items))})
		}
	}
}

func checkUnrecognized(x *ctx) {
	for _, o := range x.Objects {
		if o.Kind != "" {
			continue
		}
		var names []string
		for i, p := range o.Props() {
			if i == 4 {
				names = append(names, "...")
				break
			}
			names = append(names, p.Name)
		}
		x.emit(hit{obj: o,
			msg: fmt.Sprintf("object with properties %s matches none of the supported cmdlets; it was not checked", strings.Join(names, ", "))})
	}
}
