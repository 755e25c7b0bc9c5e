module github.com/tallyhub/tallyhub

go 1.19
