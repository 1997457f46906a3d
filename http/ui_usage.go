package http

import (
	"html/template"
	"net/http"
	"strconv"

	"tokenmint"
	"tokenmint/service"
)

// usageChart draws a token's uses per day.
func usageChart(days []service.DayUses) template.HTML {
	points := make([]chartPoint, len(days))
	for i, d := range days {
		points[i] = chartPoint{Date: d.Date, Value: d.Uses}
	}
	return barChartSVG("usage-chart", "Uses per day, last "+strconv.Itoa(len(days))+" days", "uses", points)
}

// usageData is the usage section of a token's page: per client IP, first
// and last use and count (owners only), and the blocked IPs and ranges
// (owners and administrators).
type usageData struct {
	// Daily is the uses per day of the last 90 days and Chart their bar
	// chart (owners only, as the rest of the usage).
	Daily   []service.DayUses
	Chart   template.HTML
	Usage   []tokenmint.IPUsage
	Blocks  []tokenmint.IPBlock
	BlockIP string // what was typed into the block form, kept on error
}

// loadUsage fills the usage section. An administrator looking at another
// user's token gets the blocks but never the usage (the service refuses it);
// for an application's token the administrator sees the usage too.
func (s *Server) loadUsage(r *http.Request, d *tokenPageData) error {
	ctx := r.Context()
	var err error
	if d.SeesPrivate {
		if d.Usage.Usage, err = s.allUsage(ctx, d.Row.ID); err != nil {
			return err
		}
		if d.Usage.Daily, err = s.svc.TokenDailyUsage(ctx, d.Row.ID, 0); err != nil {
			return err
		}
		d.Usage.Chart = usageChart(d.Usage.Daily)
	}
	d.Usage.Blocks, err = s.svc.BlockedIPs(ctx, d.Row.ID)
	return err
}

var blockRules = []fieldRule{{"ip", []string{""}}}

func (s *Server) uiBlockIP(w http.ResponseWriter, r *http.Request, us *uiSession) {
	b, err := s.svc.BlockIP(r.Context(), r.PathValue("id"), r.PostForm.Get("ip"))
	if err != nil {
		s.tokenFormError(w, r, us, err, blockRules...)
		return
	}
	redirectWith(w, r, "/ui/tokens/"+r.PathValue("id")+"#usage", "Blocked "+b.Prefix+": the token is refused from there.")
}

func (s *Server) uiUnblockIP(w http.ResponseWriter, r *http.Request, us *uiSession) {
	ip := r.PostForm.Get("ip")
	if err := s.svc.UnblockIP(r.Context(), r.PathValue("id"), ip); err != nil {
		s.tokenFormError(w, r, us, err)
		return
	}
	redirectWith(w, r, "/ui/tokens/"+r.PathValue("id")+"#usage", "Unblocked "+ip+".")
}
