package demo

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/ballot"
	"github.com/majlis/majlis/institution"
)

// GeneralAssemblyID is the demo General Assembly's event ID.
const GeneralAssemblyID = "am-2021-general-assembly"

// Registry returns the demo registry: 120 institutions, 30 per regional
// network, 90 with A status and 30 with B status. Every one is invented:
// its place name is made up, its name says "(fictional)" in each language,
// and its country is an ISO 3166-1 user-assigned code that no country
// has (so load it with institution.Config{UserAssignedCountries: true}):
// a demo must never pin a made-up status on a real institution or country.
// The result is the same on every call.
func Registry() []institution.Institution {
	prefixes := []struct{ latin, arabic string }{
		{"Aster", "أستر"}, {"Brindle", "بريندل"}, {"Corran", "كوران"}, {"Dunmar", "دنمار"}, {"Elsin", "إلسين"},
		{"Farrow", "فارو"}, {"Galen", "غالين"}, {"Hollin", "هولين"}, {"Isker", "إسكر"}, {"Jorvan", "جورفان"},
	}
	suffixes := []struct{ latin, arabic string }{
		{"vale", "فيل"}, {"mere", "مير"}, {"holm", "هولم"}, {"reach", "ريتش"}, {"ford", "فورد"}, {"wick", "ويك"},
		{"moor", "مور"}, {"gate", "غيت"}, {"haven", "هيفن"}, {"brook", "بروك"}, {"ridge", "ريدج"}, {"stead", "ستيد"},
	}
	networks := []struct {
		region    agenda.Region
		countries string // user-assigned ISO 3166-1 codes, three institutions each
		aStatus   int
	}{
		{agenda.RegionAfrica, "XA XB XC XD XE XF XG XH XI XJ", 23},
		{agenda.RegionAmericas, "XL XM XN XO XP XQ XR XS XT XU", 22},
		{agenda.RegionAsiaPacific, "QM QN QO QP QQ QR QS QT QU QV", 22},
		{agenda.RegionEurope, "QW QX QY QZ XV XW XX XY XZ ZZ", 23},
	}
	kinds := []func(en, ar string) agenda.Text{
		func(en, ar string) agenda.Text {
			return tx("National Human Rights Commission of "+en+" (fictional)", "Commission nationale des droits humains de "+en+" (fictive)",
				"Comisión Nacional de Derechos Humanos de "+en+" (ficticia)", "اللجنة الوطنية لحقوق الإنسان في "+ar+" (خيالية)")
		},
		func(en, ar string) agenda.Text {
			return tx("Ombudsperson of "+en+" (fictional)", "Défenseur des droits de "+en+" (fictif)",
				"Defensoría del Pueblo de "+en+" (ficticia)", "أمين المظالم في "+ar+" (خيالي)")
		},
		func(en, ar string) agenda.Text {
			return tx("Human Rights Institute of "+en+" (fictional)", "Institut des droits humains de "+en+" (fictif)",
				"Instituto de Derechos Humanos de "+en+" (ficticio)", "معهد حقوق الإنسان في "+ar+" (خيالي)")
		},
	}
	var out []institution.Institution
	for n, nw := range networks {
		countries := strings.Fields(nw.countries)
		for i := range 30 {
			k := n*30 + i
			p, s := prefixes[k/len(suffixes)], suffixes[k%len(suffixes)]
			en, ar := p.latin+s.latin, p.arabic+s.arabic
			status := institution.StatusA
			if i >= nw.aStatus {
				status = institution.StatusB
			}
			date := fmt.Sprintf("%04d-%02d-%02d", 2005+k%15, 1+k%12, 1+k%28)
			out = append(out, institution.Institution{
				ID:        "demo-" + strings.ToLower(en),
				Name:      kinds[k%len(kinds)](en, ar),
				Country:   countries[i/3],
				Region:    nw.region,
				Status:    status,
				History:   []institution.Change{{Status: status, Date: date, Note: "fictional accreditation (demo data)"}},
				Delegates: []institution.Delegate{},
			})
		}
	}
	return out
}

// LoadAssembly puts the demo registry in reg (the institutions it does
// not hold yet), makes the General Assembly's roll from it, and prepares
// the three motions as drafts (those not prepared yet). It is idempotent.
func LoadAssembly(ctx context.Context, reg *institution.Service, ballots *ballot.Service) error {
	for _, in := range Registry() {
		if _, err := reg.Create(ctx, in); err != nil && !errors.Is(err, institution.ErrConflict) {
			return fmt.Errorf("demo: institution %s: %w", in.ID, err)
		}
	}
	if _, err := ballots.EnsureRoll(ctx, GeneralAssemblyID); err != nil {
		return fmt.Errorf("demo: the General Assembly's roll: %w", err)
	}
	for _, b := range GeneralAssemblyBallots() {
		if _, err := ballots.Prepare(ctx, b); err != nil && !errors.Is(err, ballot.ErrConflict) {
			return fmt.Errorf("demo: ballot %s: %w", b.ID, err)
		}
	}
	return nil
}

// GeneralAssemblyBallots returns the 2021 General Assembly's three motions
// as draft ballots: the annual report, the audited financial report, and
// the 2021 work plan and budget, each tied to its agenda item. Their rules
// are illustrative, chosen to show the kinds majlis supports (a named
// simple majority, a secret two-thirds majority), not the alliance's
// statutes.
func GeneralAssemblyBallots() []ballot.Ballot {
	named := ballot.Rules{Quorum: ballot.Quorum{Rule: ballot.QuorumMembersMajority},
		Majority: ballot.MajoritySimple, Abstentions: ballot.AbstentionsExcluded}
	return []ballot.Ballot{
		{ID: "ga-2021-annual-report", Event: GeneralAssemblyID, Item: "item-2", Kind: ballot.KindMotion, Rules: named,
			Title: tx("Adoption of the annual report", "Adoption du rapport annuel", "Aprobación del informe anual", "اعتماد التقرير السنوي"),
			Text: tx("The General Assembly adopts the annual report of the alliance.",
				"L'Assemblée générale adopte le rapport annuel de l'alliance.",
				"La Asamblea General aprueba el informe anual de la alianza.",
				"تعتمد الجمعية العامة التقرير السنوي للتحالف.")},
		{ID: "ga-2021-financial-report", Event: GeneralAssemblyID, Item: "item-3", Kind: ballot.KindMotion, Rules: named,
			Title: tx("Adoption of the audited financial report", "Adoption du rapport financier audité", "Aprobación del informe financiero auditado", "اعتماد التقرير المالي المدقق"),
			Text: tx("The General Assembly adopts the audited financial report.",
				"L'Assemblée générale adopte le rapport financier audité.",
				"La Asamblea General aprueba el informe financiero auditado.",
				"تعتمد الجمعية العامة التقرير المالي المدقق.")},
		{ID: "ga-2021-work-plan-budget", Event: GeneralAssemblyID, Item: "item-4", Kind: ballot.KindMotion, Secret: true,
			Rules: ballot.Rules{Quorum: ballot.Quorum{Rule: ballot.QuorumMembersMajority},
				Majority: ballot.MajorityTwoThirdsCast, Abstentions: ballot.AbstentionsExcluded},
			Title: tx("Adoption of the 2021 work plan and budget", "Adoption du plan de travail et du budget 2021",
				"Aprobación del plan de trabajo y del presupuesto de 2021", "اعتماد خطة العمل والميزانية لعام 2021"),
			Text: tx("The General Assembly adopts the work plan and the budget for 2021.",
				"L'Assemblée générale adopte le plan de travail et le budget pour 2021.",
				"La Asamblea General aprueba el plan de trabajo y el presupuesto para 2021.",
				"تعتمد الجمعية العامة خطة العمل والميزانية لعام 2021.")},
	}
}
