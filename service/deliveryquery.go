package service

import (
	"context"

	"tokenmint"
)

// DeliveryQuery filters the deliveries of a tenant: e-mail notices and
// webhook posts. Empty fields match everything.
type DeliveryQuery struct {
	Channel string // webhook or email
	Status  string // pending, delivered or failed
	// Limit is the page size (default 50, at most 500); Cursor is the
	// next_cursor of the previous page.
	Limit  int
	Cursor string
}

// ListTenantDeliveries returns the deliveries of the caller's tenant,
// newest first, with the cursor of the next page ("" on the last): how
// each e-mail notice and webhook post fared. Administrators only.
func (s *Service) ListTenantDeliveries(ctx context.Context, in DeliveryQuery) ([]*tokenmint.Delivery, string, error) {
	p, err := requireAdmin(ctx)
	if err != nil {
		return nil, "", err
	}
	switch in.Channel {
	case "", tokenmint.ChannelWebhook, tokenmint.ChannelEmail:
	default:
		return nil, "", tokenmint.Errorf(tokenmint.EINVALID, "channel must be webhook or email")
	}
	switch in.Status {
	case "", tokenmint.DeliveryPending, tokenmint.DeliveryDelivered, tokenmint.DeliveryFailed:
	default:
		return nil, "", tokenmint.Errorf(tokenmint.EINVALID, "status must be pending, delivered or failed")
	}
	limit, before, err := pageRequest(in.Limit, in.Cursor)
	if err != nil {
		return nil, "", err
	}
	f := tokenmint.DeliveryFilter{TenantID: p.TenantID, Channel: in.Channel, Status: in.Status, Limit: limit + 1, BeforeID: before}
	ds, err := s.store.ListDeliveries(ctx, f)
	if err != nil {
		return nil, "", err
	}
	ds, next := cutPage(ds, limit, func(d *tokenmint.Delivery) int64 { return d.ID })
	return ds, next, nil
}
