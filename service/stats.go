package service

import (
	"sync/atomic"

	"tokenmint"
)

// DeliveryOutcomes are how a delivery attempt can end: delivered, failed
// but to be retried, or failed for good.
var DeliveryOutcomes = []string{"delivered", "retry", "failed"}

// deliveryCounters count finished delivery attempts per channel and
// outcome since start. The map is built once and only read afterwards, so
// concurrent use needs no lock beyond the atomic counters.
type deliveryCounters map[[2]string]*atomic.Int64

func newDeliveryCounters() deliveryCounters {
	c := deliveryCounters{}
	for _, ch := range []string{tokenmint.ChannelWebhook, tokenmint.ChannelEmail} {
		for _, o := range DeliveryOutcomes {
			c[[2]string{ch, o}] = new(atomic.Int64)
		}
	}
	return c
}

// count records the outcome of an attempt whose result was saved.
func (c deliveryCounters) count(d *tokenmint.Delivery) {
	outcome := "retry"
	switch d.Status {
	case tokenmint.DeliveryDelivered:
		outcome = "delivered"
	case tokenmint.DeliveryFailed:
		outcome = "failed"
	}
	if n := c[[2]string{d.Channel, outcome}]; n != nil {
		n.Add(1)
	}
}

// DeliveryAttempts returns how many delivery attempts of channel (webhook,
// email) this instance finished with outcome (see DeliveryOutcomes) since
// it started; the metrics endpoint serves them.
func (s *Service) DeliveryAttempts(channel, outcome string) int64 {
	if n := s.deliveries[[2]string{channel, outcome}]; n != nil {
		return n.Load()
	}
	return 0
}
