package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"
)

// progress shows how far a long command has come, on standard error: on a terminal one line
// redrawn in place (a bar, the count, the rate and the time left); elsewhere (a log, a pipe)
// a line every tenth of the way or every 15 seconds, so that a log stays short.
type progress struct {
	w        io.Writer
	terminal bool
	what     string // what is counted: "requests"
	total    int
	now      func() time.Time
	start    time.Time
	shown    time.Time // when the last line was drawn
	tenths   int       // tenths of the way the last line showed
}

func newProgress(w io.Writer, what string, total int) *progress {
	f, ok := w.(*os.File)
	p := &progress{w: w, terminal: ok && term.IsTerminal(int(f.Fd())), what: what, total: total, now: time.Now}
	p.start = p.now()
	p.shown = p.start
	return p
}

// update shows done of total, unless the last line is too recent to be worth another.
func (p *progress) update(done int) {
	now := p.now()
	tenths := done * 10 / max(p.total, 1)
	switch {
	case p.terminal && now.Sub(p.shown) >= 100*time.Millisecond:
		fmt.Fprintf(p.w, "\r%s\x1b[K", p.line(done, now))
	case !p.terminal && (tenths > p.tenths || now.Sub(p.shown) >= 15*time.Second) && done < p.total:
		fmt.Fprintln(p.w, p.line(done, now))
	default:
		return
	}
	p.shown, p.tenths = now, tenths
}

// finish shows the last line, of done, and returns the time taken.
func (p *progress) finish(done int) time.Duration {
	now := p.now()
	if p.terminal {
		fmt.Fprintf(p.w, "\r%s\x1b[K\n", p.line(done, now))
	} else {
		fmt.Fprintln(p.w, p.line(done, now))
	}
	return now.Sub(p.start)
}

// line is "[=======>    ]  61%  610,000 of 1,000,000 requests  8,120/s  1m02s, 48s left".
func (p *progress) line(done int, now time.Time) string {
	const width = 30
	elapsed := now.Sub(p.start)
	fraction := float64(done) / float64(max(p.total, 1))
	filled := int(fraction * width)
	bar := strings.Repeat("=", filled)
	if filled < width {
		bar += ">" + strings.Repeat(" ", width-filled-1)
	}
	rate := perSecond(done, elapsed)
	s := fmt.Sprintf("[%s] %3.0f%%  %s of %s %s  %s/s  %s", bar, 100*fraction, thousands(done), thousands(p.total), p.what,
		thousands(int(rate)), elapsed.Round(time.Second))
	if rate > 0 && done < p.total {
		s += fmt.Sprintf(", %s left", (time.Duration(float64(p.total-done)/rate) * time.Second).Round(time.Second))
	}
	return s
}

func perSecond(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// thousands writes n with commas between thousands: 1,000,000.
func thousands(n int) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
