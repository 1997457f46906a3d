-- Bound networks (docs/bound-networks.md): the networks a token may be used
-- from, as the canonical comma-separated CIDR list of
-- tokenmint.CIDRList.String ('' = anywhere), and an application's default
-- for its new tokens.
ALTER TABLE tokens ADD COLUMN allowed_cidrs TEXT NOT NULL DEFAULT '';
ALTER TABLE applications ADD COLUMN default_allowed_cidrs TEXT NOT NULL DEFAULT '';
