package dashboard

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// fmtHistogram shows a histogram's non-zero buckets as "hours:count" ("3-4h:2 720h+:1"), or
// "none".
func fmtHistogram(h Histogram) string {
	var b strings.Builder
	for i, n := range h {
		if n != 0 {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			lo, hi := BucketBounds(i)
			if hi == 0 {
				fmt.Fprintf(&b, "%dh+:%d", lo/time.Hour, n)
			} else {
				fmt.Fprintf(&b, "%d-%dh:%d", lo/time.Hour, hi/time.Hour, n)
			}
		}
	}
	if b.Len() == 0 {
		return "none"
	}
	return b.String()
}
