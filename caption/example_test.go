package caption_test

import (
	"os"
	"time"

	"github.com/majlis/majlis/caption"
)

func ExampleWriteVTT() {
	start := time.Date(2021, 7, 1, 14, 30, 0, 0, time.UTC)
	lines := []caption.Line{
		{Pos: 1, Received: start.Add(3 * time.Second), Speaker: "Chair", Text: "Welcome & good afternoon."},
		{Pos: 2, Received: start.Add(5 * time.Second), Text: "[applause]"},
	}
	caption.WriteVTT(os.Stdout, lines, start, caption.Timing{})
	caption.WriteTranscript(os.Stdout, lines, start)
	// Output:
	// WEBVTT
	//
	// 1
	// 00:00:03.000 --> 00:00:05.000
	// <v Chair>Welcome &amp; good afternoon.</v>
	//
	// 2
	// 00:00:05.000 --> 00:00:09.000
	// [applause]
	//
	// [00:00:03] Chair: Welcome & good afternoon.
	// [00:00:05] [applause]
}
