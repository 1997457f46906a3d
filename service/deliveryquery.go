package service

import (
	"context"
	"strconv"

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
	if in.Limit < 0 || in.Limit > 500 {
		return nil, "", tokenmint.Errorf(tokenmint.EINVALID, "limit must be 1-500")
	}
	if in.Limit == 0 {
		in.Limit = 50
	}
	f := tokenmint.DeliveryFilter{TenantID: p.TenantID, Channel: in.Channel, Status: in.Status, Limit: in.Limit + 1}
	if in.Cursor != "" {
		id, err := strconv.ParseInt(in.Cursor, 10, 64)
		if err != nil || id <= 0 {
			return nil, "", tokenmint.Errorf(tokenmint.EINVALID, "cursor must be the next_cursor of a previous page")
		}
		f.BeforeID = id
	}
	ds, err := s.store.ListDeliveries(ctx, f)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(ds) > in.Limit { // one extra row tells a next page exists
		ds = ds[:in.Limit]
		next = strconv.FormatInt(ds[len(ds)-1].ID, 10)
	}
	return ds, next, nil
}
