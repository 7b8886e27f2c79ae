module github.com/connsec/connsec/tools/peers

go 1.26

require (
	github.com/cedar-policy/cedar-go v1.2.6
	github.com/connsec/connsec v0.0.0-00010101000000-000000000000
)

require (
	github.com/tidwall/gjson v1.18.0 // indirect
	github.com/tidwall/match v1.1.1 // indirect
	github.com/tidwall/pretty v1.2.0 // indirect
	github.com/tidwall/sjson v1.2.5 // indirect
	golang.org/x/exp v0.0.0-20220921023135-46d9e7742f1e // indirect
)

replace github.com/connsec/connsec => ../..
