// The crash loop: crm-node and crm-hq killed with SIGKILL at random moments
// under front-desk load and during sync.
