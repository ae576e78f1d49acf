package dashboard

import (
	"fmt"
	"strconv"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func fmtCounts(c DayCounts) string {
	return fmt.Sprintf("received %d, completed %d, not serviceable %d, cancelled %d, times %v",
		c.Received, c.Completed, c.NotServiceable, c.Cancelled, []int64(c.Completion.Trimmed()))
}
